"""The sandbox's own behaviour, apart from any assignment."""

import io

import numpy as np
import subprocess
import sys

import pytest

from autograder import api
from autograder.sandbox import launcher
from autograder.sandbox.session import SandboxError, SessionConfig, Student, StudentSession
from helpers import FIXTURE_COURSE


def test_a_runtime_under_tmp_is_not_hidden_by_the_private_tmp(tmp_path):
    """A TA's venv in /tmp (as CI makes one) must stay visible inside the sandbox."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    code = ("from autograder.sandbox.session import *\n"
            "s = StudentSession(SessionConfig('def f(x):\\n    return x + 1\\n', 'm.py', 'm', ('numpy',)))\n"
            "print(s.start().ok, Student(s).f(41))\n")
    done = subprocess.run([str(venv / "bin" / "python"), "-c", code], capture_output=True, text=True, timeout=60,
                          cwd=str(FIXTURE_COURSE.parent.parent.parent))
    assert done.stdout.split() == ["True", "42"], done.stderr


def test_a_sandbox_that_cannot_start_is_a_grader_fault(mini, monkeypatch, tmp_path):
    real = launcher.build

    def broken(*args, **kwargs):
        plan = real(*args, **kwargs)
        plan.argv[plan.argv.index(sys.executable)] = "/nonexistent/python"
        return plan

    monkeypatch.setattr(launcher, "build", broken)
    with pytest.raises(SandboxError, match="could not start"):
        StudentSession(SessionConfig("x = 1\n", "m.py", "m")).start()
    (tmp_path / "alice.py").write_text("def add(a, b):\n    return a + b\n")
    results, faults = api.grade_batch("mini", [tmp_path / "alice.py"], tmp_path / "out", 1, log=io.StringIO())
    assert not results and len(faults) == 1 and "could not start" in faults[0]


def test_handles_keep_unsendable_objects_in_the_student_process():
    src = "def make():\n    return (1.5, lambda: 7)\ndef use(obj):\n    return obj() * 2\n"
    session = StudentSession(SessionConfig(src, "m.py", "m"))
    try:
        session.start()
        student = Student(session)
        value, handle = student.make()
        assert value == 1.5 and "function" in repr(handle)
        assert student.use(handle) == 14
    finally:
        session.close()


def test_describe_names_the_isolation(monkeypatch):
    text = launcher.describe()
    active = [name for name, ok, _ in launcher.layer_report() if ok]
    assert text.startswith("layers: ") and all(name in text for name in active)
    monkeypatch.setenv(launcher.DISABLE_ENV, "bwrap,seccomp")
    rows = {name: (ok, why) for name, ok, why in launcher.layer_report()}
    assert rows["bwrap"] == (False, f"switched off by {launcher.DISABLE_ENV}") and not rows["seccomp"][0]
    assert "NOT isolated" in launcher.describe()


def test_doctor_lists_every_layer():
    done = subprocess.run([sys.executable, "-m", "autograder", "doctor"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    for layer in launcher.LAYERS:
        assert layer in done.stdout


def test_changes_to_arguments_come_back_as_a_direct_call_leaves_them():
    src = ("import numpy as np\n"
           "def step(w, config):\n"
           "    config['m'] += 1.0           # in place: the caller's array changes\n"
           "    config['v'] = config['v'] * 2  # rebound: the caller's old array does not\n"
           "    config['t'] = config.get('t', 0) + 1\n"
           "    w *= 0\n"
           "    return None\n")
    session = StudentSession(SessionConfig(src, "m.py", "m", ("numpy",)))
    try:
        session.start()
        m, v, w = np.zeros(2), np.ones(2), np.ones(3)
        config = {"m": m, "v": v}
        Student(session).step(w, config)
        assert config["m"] is m and m.tolist() == [1.0, 1.0]
        assert config["v"] is not v and v.tolist() == [1.0, 1.0] and config["v"].tolist() == [2.0, 2.0]
        assert config["t"] == 1 and w.tolist() == [0.0, 0.0, 0.0]
    finally:
        session.close()


def test_libraries_that_ask_for_the_user_name_work_in_the_box():
    """torch's inductor cache (reached from use_deterministic_algorithms in torch 2.11) calls
    getpass.getuser(); the box's uid has no passwd entry, so the name must come from the environment."""
    src = "import getpass\ndef who():\n    return getpass.getuser()\n"
    session = StudentSession(SessionConfig(src, "m.py", "m", ("getpass",)))
    try:
        session.start()
        assert Student(session).who() == "student"
    finally:
        session.close()


def test_a_failure_of_the_graders_own_reseeding_is_a_grader_fault():
    """Reseeding runs before every call; if it breaks, the call is the grader's fault, not a crash of the student's."""
    src = "import random\ndef f():\n    return 1\ndef break_seeding():\n    random.seed = None\n"
    session = StudentSession(SessionConfig(src, "m.py", "m", ("random",)))
    try:
        session.start()
        student = Student(session)
        assert student.f() == 1
        student.break_seeding()
        with pytest.raises(SandboxError, match="could not prepare the call to f"):
            student.f()
    finally:
        session.close()


@pytest.mark.parametrize("cuda, limited, unlimited", [(False, "RLIMIT_AS", "RLIMIT_DATA"),
                                                      (True, "RLIMIT_DATA", "RLIMIT_AS")])
def test_memory_rlimit_leaves_room_for_the_cuda_drivers_reservation(cuda, limited, unlimited):
    """The CUDA driver reserves far more address space than memory; under RLIMIT_AS it cannot start
    (seen on an H100: cudaGetDeviceCount "out of memory"), so a GPU process is held by RLIMIT_DATA."""
    import dataclasses
    src = "import resource\ndef limit(name):\n    return resource.getrlimit(getattr(resource, name))[0]\n"
    limits = dataclasses.replace(launcher.Limits(), cuda=cuda)
    session = StudentSession(SessionConfig(src, "m.py", "m", ("resource",), limits=limits))
    try:
        session.start()
        student = Student(session)
        assert student.limit(limited) == limits.memory_bytes
        assert student.limit(unlimited) == -1  # RLIM_INFINITY
    finally:
        session.close()


SOCKETS = '''
import os, socket
def try_socket(family):
    try:
        s = socket.socket(getattr(socket, family), socket.SOCK_STREAM)
    except OSError as exc:
        return "refused"
    s.close()
    return "made"
def listen_and_connect():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind("/tmp/own.sock")
    s.listen(1)
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        c.connect("/tmp/own.sock")
    except OSError:
        return "listened, connect refused"
    return "connected"
'''


@pytest.mark.skipif(not launcher.seccomp_probe()[0], reason="no seccomp on this machine")
@pytest.mark.parametrize("cuda", [False, True])
def test_gpu_processes_may_listen_on_unix_sockets_but_connect_nowhere(cuda):
    """The CUDA driver binds and listens on a Unix socket at start-up (denying either fails cuInit on an
    H100), so a GPU process gets exactly that; connect stays denied, so it reaches nothing."""
    import dataclasses
    limits = dataclasses.replace(launcher.Limits(), cuda=cuda)
    session = StudentSession(SessionConfig(SOCKETS, "m.py", "m", ("os", "socket"), limits=limits))
    try:
        session.start()
        student = Student(session)
        assert student.try_socket("AF_INET") == "refused" and student.try_socket("AF_INET6") == "refused"
        assert student.try_socket("AF_UNIX") == ("made" if cuda else "refused")
        if cuda:
            assert student.listen_and_connect() == "listened, connect refused"
    finally:
        session.close()
