"""The sandbox's own behaviour, apart from any assignment."""

import io
from pathlib import Path

import numpy as np
import subprocess
import sys

import pytest

from autograder import api
from autograder.sandbox import launcher, zygote
from autograder.sandbox.limits import Limits
from autograder.sandbox.faults import SandboxError
from autograder.sandbox.session import SessionConfig, StudentSession
from autograder.sandbox.student import Student
from helpers import FIXTURE_COURSE, student_process


def test_a_runtime_under_tmp_is_not_hidden_by_the_private_tmp(tmp_path):
    """A TA's venv in /tmp (as CI makes one) must stay visible inside the sandbox, for the second
    student of a warm box too: emptying /tmp between jobs once locked the venv's parents (0700)."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    src = ("import os\n"
           "def f(x):\n    open('/tmp/litter', 'w').write('x')\n    return x + 1\n"
           "def g(path):\n    return [len(os.listdir(path)) > 0, os.path.exists('/tmp/litter')]\n")
    code = ("import sys\n"
            "from autograder.sandbox.session import SessionConfig, StudentSession\n"
            "from autograder.sandbox.student import Student\n"
            f"src = {src!r}\n"
            "for _ in range(2):\n"
            "    s = StudentSession(SessionConfig(src, 'm.py', 'm', ('numpy', 'os')))\n"
            "    print(s.start().ok, Student(s).g(sys.argv[1]), Student(s).f(41))\n"
            "    s.close()\n")
    done = subprocess.run([str(venv / "bin" / "python"), "-c", code, str(venv)], capture_output=True, text=True,
                          timeout=60, cwd=str(FIXTURE_COURSE.parent.parent.parent))
    assert done.stdout.splitlines() == ["True [True, False] 42"] * 2, done.stdout + done.stderr


def test_a_sandbox_that_cannot_start_is_a_grader_fault(mini, monkeypatch, tmp_path):
    zygote.shutdown()  # an idle warm box left by an earlier test would start the session without launcher.build
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


HANDLES = '''
import gc, weakref
class Box:
    def __init__(self, n):
        self.n = n
_made = weakref.WeakSet()  # what the student's process still holds, whoever holds it
def make(n):
    box = Box(n)
    _made.add(box)
    return box
def alive():
    gc.collect()
    return len(_made)
def value(box):
    return box.n
def same(box):
    return box
'''


def test_handles_the_tests_let_go_of_are_released_and_the_others_keep_working():
    """A handle keeps its object alive in the student's process only while a test holds it; before
    the release message existed on the grader's side, every object handed out stayed until the end."""
    import gc
    session = StudentSession(SessionConfig(HANDLES, "m.py", "m"))
    try:
        session.start()
        student = Student(session)
        kept, dropped = student.make(1), student.make(2)
        assert student.same(kept) is kept  # one Handle per object: dropping a copy releases nothing
        assert student.alive() == 2
        del dropped
        gc.collect()
        assert student.alive() == 1
        for n in range(5):
            student.make(n)  # thrown away at once
        assert student.alive() == 1
        assert student.value(kept) == 1 and student.value(student.same(kept)) == 1
    finally:
        session.close()


def test_a_handle_is_released_only_when_no_copy_of_it_is_left():
    from autograder.sandbox import codec
    from autograder.sandbox.handles import HandleTable
    table = HandleTable()
    first = table.resolve(codec.Handle(7, "Box"))
    assert table.resolve(codec.Handle(7, "Box")) is first and table.take_released() == []
    del first
    again = table.resolve(codec.Handle(7, "Box"))  # decoded again before the release was sent
    assert table.take_released() == [] and len(table) == 1
    del again
    assert table.take_released() == [7] and table.take_released() == [] and len(table) == 0
    assert isinstance(table.resolve(codec.Callback(3)), codec.Callback)


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


def test_views_reach_the_student_as_views():
    """A transposed or strided argument is one in the student's code too (codec + layout), and in-place writes
    through it come back to the test's array."""
    src = ("import numpy as np\n"
           "def flags(x):\n"
           "    return [bool(x.flags.c_contiguous), bool(x.flags.f_contiguous), list(x.strides)]\n"
           "def zero_through_reshape(x):\n"
           "    x.reshape(-1)[:] = 0.0        # a view only when x is C-contiguous\n"
           "def double(x):\n"
           "    x *= 2\n"
           "def double_cached(cache):\n"
           "    cache[1][...] *= 2            # a layer's cache is often a tuple: its arrays still change\n")
    session = StudentSession(SessionConfig(src, "m.py", "m", ("numpy",)))
    try:
        session.start()
        student = Student(session)
        a = np.arange(12.0).reshape(3, 4)
        assert student.flags(np.asfortranarray(a)) == [False, True, [8, 24]]
        assert student.flags(a[:, ::2]) == [False, False, [32, 16]]
        f = np.asfortranarray(a)
        student.zero_through_reshape(f)
        assert np.array_equal(f, a)                       # the write went to a copy, as it would in numpy
        c = a.copy()
        student.zero_through_reshape(c)
        assert not c.any()
        view = a[:, ::2]
        student.double(view)
        assert a[:, 0].tolist() == [0.0, 8.0, 16.0] and a[:, 1].tolist() == [1.0, 5.0, 9.0]
        cache = ("train", np.ones(2))
        student.double_cached(cache)
        assert cache[1].tolist() == [2.0, 2.0]
    finally:
        session.close()


def test_changes_come_back_bit_for_bit_and_untouched_arguments_stay_as_they_were():
    """The child sends back only the arguments a call changed (child.unchanged): a change numpy's == cannot see
    (0.0 to -0.0, one NaN for another) still counts, lists and generators changed in place come back, and an
    argument the call did not touch keeps its values."""
    src = ("import numpy as np\n"
           "def touch(x, nan, items, rng, same):\n"
           "    x[1] = -0.0\n"
           "    nan.view(np.uint64)[0] ^= 1      # another NaN\n"
           "    items.append(3)\n"
           "    rng.random()\n"
           "    return float(same.sum())\n")
    x, nan, items, same = np.zeros(2), np.array([np.nan]), [1, 2], np.arange(3.0)
    rng = np.random.default_rng(5)
    expected = np.random.default_rng(5)
    expected.random()
    before = nan.view(np.uint64)[0]
    with student_process(src) as student:
        assert student.touch(x, nan, items, rng, same) == 3.0
    assert np.signbit(x[1]) and nan.view(np.uint64)[0] == before ^ 1
    assert items == [1, 2, 3] and rng.random() == expected.random()
    assert same.tolist() == [0.0, 1.0, 2.0]


def test_numpy_warnings_of_a_call_are_seen_even_after_the_student_silenced_them():
    """student.warnings() lists the last call's warnings (checks.check_no_warnings reads it); settings the
    student's code changes are put back between calls."""
    src = ("import numpy as np\nimport warnings\n"
           "def overflow():\n"
           "    return float(np.exp(np.float64(1000.0)))\n"
           "def quiet():\n"
           "    np.seterr(all='ignore')\n"
           "    warnings.simplefilter('ignore')\n"
           "def calm():\n"
           "    return 1.0\n")
    with student_process(src, ("numpy", "warnings")) as student:
        student.overflow()
        assert any(w.startswith("RuntimeWarning") and "overflow" in w for w in student.warnings())
        student.calm()
        assert student.warnings() == []
        student.quiet()
        student.overflow()
        assert any(w.startswith("RuntimeWarning") for w in student.warnings())


def test_every_call_starts_from_the_same_random_state():
    """The child reseeds after each answer (and after loading), so a call's draws never depend on what ran before."""
    src = ("import random\nimport numpy as np\n"
           "DRAWN_AT_LOAD = np.random.rand()\n"
           "def draw():\n"
           "    return [random.random(), float(np.random.rand())]\n"
           "def burn():\n"
           "    random.random(); np.random.rand(10)\n")
    with student_process(src, ("numpy", "random")) as student:
        first = student.draw()
        student.burn()
        assert student.draw() == first and student.draw() == first


def test_a_dict_argument_holding_a_list_of_arrays_of_different_shapes_comes_back():
    """A cache such as {"W": [W1, W2]} passed back to the student: mirroring it must not ask numpy for the
    shape of a ragged list (a grader error once, found by tests/catalogue/normalization/correct/)."""
    src = ("import numpy as np\n"
           "def make():\n"
           "    return {'W': [np.ones((2, 3)), np.ones(4)], 'n': 1}\n"
           "def use(cache):\n"
           "    cache['n'] += 1\n"
           "    return float(sum(w.sum() for w in cache['W']))\n")
    session = StudentSession(SessionConfig(src, "m.py", "m", ("numpy",)))
    try:
        session.start()
        student = Student(session)
        cache = student.make()
        assert student.use(cache) == 10.0 and cache["n"] == 2 and [w.shape for w in cache["W"]] == [(2, 3), (4,)]
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
    """Reseeding runs between calls (after each answer is sent); if it breaks, the next call is the grader's
    fault, not a crash of the student's."""
    src = "import random\ndef f():\n    return 1\ndef break_seeding():\n    random.seed = random.setstate = None\n"
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
    limits = dataclasses.replace(Limits(), cuda=cuda)
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
    limits = dataclasses.replace(Limits(), cuda=cuda)
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


PLAIN_UID_CHILD = """
import json, sys
sys.path.insert(0, sys.argv[1])
from autograder.sandbox.session import SessionConfig, StudentSession
from autograder.sandbox.student import Student
src = '''import os
def who():
    try:
        os.listdir("/root")
        root = "readable"
    except PermissionError:
        root = "denied"
    home = os.environ["HOME"]
    return [os.getuid(), os.geteuid(), os.getgroups(), root, os.stat(home).st_uid, oct(os.stat(home).st_mode & 0o777)]
'''
s = StudentSession(SessionConfig(src, "m.py", "m", ("os",)))
s.start()
print(json.dumps({"who": Student(s).who(), "mechanisms": s.mechanisms}))
s.close()
"""


def test_without_bubblewrap_root_still_drops_to_the_slot_uid():
    """The fallback without bubblewrap used to run student code as root (docs/security.md, hole 3).
    It needs a runtime other users can reach: a venv of the system Python with numpy."""
    import json
    import os
    import shutil
    import tempfile
    from pathlib import Path
    system_python = shutil.which("python3", path="/usr/bin")
    if os.geteuid() != 0 or not shutil.which("setpriv") or not system_python:
        pytest.skip("needs root, setpriv and a Python under /usr/bin")
    probe = subprocess.run([system_python, "-c", "import sys, venv; assert sys.version_info >= (3, 11)"])
    if probe.returncode != 0:
        pytest.skip("the system Python is older than 3.11 or has no venv module")
    base = Path(tempfile.mkdtemp(prefix="ag-test-venv-"))  # pytest's tmp folders are 0700: unreachable
    try:
        base.chmod(0o755)
        venv = base / "venv"
        subprocess.run([system_python, "-m", "venv", "--without-pip", "--system-site-packages", str(venv)],
                       check=True)
        installed = subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install",
                                    "-q", "numpy", "pyyaml"], capture_output=True, text=True, timeout=300)
        if installed.returncode != 0:
            pytest.skip(f"numpy could not be installed into a venv of the system Python (offline?): "
                        f"{installed.stderr.strip()[-200:]}")
        env = {"PATH": "/usr/bin:/bin", launcher.DISABLE_ENV: "bwrap"}
        done = subprocess.run([str(venv / "bin" / "python"), "-c", PLAIN_UID_CHILD, launcher._package_parent()],
                              capture_output=True, text=True, timeout=120, env=env, cwd="/")
    finally:
        shutil.rmtree(base, ignore_errors=True)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    uid, euid, groups, root, home_owner, home_mode = report["who"]
    assert uid == euid == launcher.SANDBOX_UID_BASE and groups == [] and root == "denied"
    assert home_owner == uid and home_mode == "0o700"
    assert f"uid({launcher.SANDBOX_UID_BASE})" in report["mechanisms"]


def test_bubblewrap_as_root_without_the_uid_layer_keeps_no_capability_and_a_bounded_shm(monkeypatch):
    """Hole 4 of docs/security.md: root inside the box kept every capability when `uid` was off, and
    /dev/shm was bounded by nothing but a cgroup."""
    import os
    if launcher.probe()[0] != "bwrap-root":
        pytest.skip("needs bubblewrap as root")
    monkeypatch.setenv(launcher.DISABLE_ENV, "uid")
    src = ("import os\n"
           "def caps():\n"
           "    status = dict(l.split(':\\t', 1) for l in open('/proc/self/status'))\n"
           "    shm = os.statvfs('/dev/shm')\n"
           "    return [os.getuid(), int(status['CapEff'], 16), shm.f_blocks * shm.f_frsize]\n")
    session = StudentSession(SessionConfig(src, "m.py", "m", ("os",)))
    try:
        session.start()
        uid, cap_eff, shm_bytes = Student(session).caps()
    finally:
        session.close()
    assert uid == 0 and cap_eff == 0
    assert 0 < shm_bytes <= Limits().tmp_bytes


def test_sweep_removes_the_empty_groups_of_a_killed_grader_and_keeps_the_others(monkeypatch):
    """A grader killed mid-batch (SIGKILL, power loss) cannot remove its cgroups; the next one does."""
    import os
    from autograder.sandbox import cgroups
    layout = cgroups.probe()[0]
    if layout == "none":
        pytest.skip("no usable cgroups here")
    dead = subprocess.Popen(["true"])
    dead.wait()
    with monkeypatch.context() as m:  # made as if by the dead process
        m.setattr(os, "getpid", lambda: dead.pid)
        orphan = cgroups.create(layout, 64 * 1024**2, 8, 1.0)
    mine = cgroups.create(layout, 64 * 1024**2, 8, 1.0)
    try:
        assert all(f"run-{dead.pid}-" in d.name for d in orphan.all_dirs)
        cgroups.sweep(orphan_age_s=0)
        assert not any(d.exists() for d in orphan.all_dirs)
        assert all(d.exists() for d in mine.all_dirs)
    finally:
        cgroups._remove_all(list(orphan.all_dirs) + list(mine.all_dirs))


def test_a_killed_graders_private_folders_are_removed_by_the_next(tmp_path, monkeypatch):
    """Warm boxes' FIFO folders and the fallback's private folders are named after their grader's
    pid: once that process is gone, the next grader removes them."""
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead = subprocess.Popen(["true"])
    dead.wait()
    orphan = tmp_path / f"ag-jobs-{dead.pid}-abc"
    (orphan / "inner").mkdir(parents=True)
    mine = tmp_path / f"ag-student-{__import__('os').getpid()}-def"
    mine.mkdir()
    other = tmp_path / "ag-other-1-x"  # not ours, whatever its name says
    other.mkdir()
    launcher._sweep_private_dirs.cache_clear()
    made = launcher.private_dir("jobs")
    assert not orphan.exists() and mine.exists() and other.exists()
    assert Path(made).parent == tmp_path and Path(made).name.startswith(f"ag-jobs-{__import__('os').getpid()}-")
