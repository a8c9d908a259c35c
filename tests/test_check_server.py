"""The check server (autograder/check_server.py): a later `autograder check` is answered by the warm process an
earlier one left, with the same output and exit code; a changed assignment, another environment, an unsafe
socket folder, a busy or a vanished server all make the command run the check itself."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import pytest

from autograder import check_server
from autograder.sandbox import cgroups
from helpers import FIXTURE_COURSE, REPO, needs_warm

STUB = "def add(a, b):\n    raise NotImplementedError()\n"


@pytest.fixture
def course(tmp_path, monkeypatch):
    """A copy of the fixture course (its tests may change) with a private socket folder and servers on;
    every server it started is stopped afterwards."""
    root = tmp_path / "course"
    shutil.copytree(FIXTURE_COURSE, root, ignore=shutil.ignore_patterns("__pycache__", "graded"))
    (tmp_path / "run").mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    monkeypatch.setenv(check_server.KEEP_ENV, "60")
    monkeypatch.setenv("PYTHONPATH", str(REPO))  # the server's key: the same environment as the commands'
    (root / "stub.py").write_text(STUB)
    shutil.copy(root / "solutions" / "mini" / "mini.py", root / "right.py")
    yield root
    check_server.stop()
    for pid in _servers_of(root):  # one a test's changed environment could not reach
        os.kill(pid, signal.SIGTERM)
        _wait_gone(pid)


def _servers_of(root) -> list[int]:
    """The pids of the check servers started for checks in ``root``."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = open(f"/proc/{pid}/cmdline", "rb").read().decode(errors="replace")
        except OSError:
            continue
        if check_server.MAIN in cmdline and str(root) in cmdline:
            found.append(int(pid))
    return found


def _hello() -> dict | None:
    found = check_server.connect()
    if found is None:
        return None
    found[0].close()
    return found[1]


def _wait_gone(pid: int, within_s: float = 20) -> bool:
    deadline = time.monotonic() + within_s
    while not cgroups.process_gone(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _wait_for_server(checks: int, within_s: float = 60) -> dict:
    """The hello of this key's server once it has run ``checks`` checks (its warm-up is the first)."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        hello = _hello()
        if hello is not None and hello["checks"] >= checks:
            return hello
        time.sleep(0.05)
    raise AssertionError("no check server answered")


def check(course, *args, keep: str | None = None) -> tuple[int, str, str]:
    """`autograder check mini ARGS` run from the course folder as a student would; (exit code, out, err)."""
    env = dict(os.environ) if keep is None else {**os.environ, check_server.KEEP_ENV: keep}
    done = subprocess.run([sys.executable, "-m", "autograder", "check", "mini", *args], cwd=course, env=env,
                          capture_output=True, text=True, timeout=120)
    return done.returncode, done.stdout, done.stderr


@needs_warm
def test_a_later_check_is_answered_by_the_server_with_what_the_command_prints(course):
    assert _hello() is None
    code, out, _ = check(course, "right.py")
    assert code == 0 and "1/1 public tests passed" in out
    first = _wait_for_server(1)  # left by that check, warmed up by running it once
    for name, want in (("stub.py", 1), ("right.py", 0), ("missing.py", 2)):
        served = check(course, name)
        assert served == check(course, name, keep="0")  # exit code, output and errors as when run here
        assert served[0] == want
    again = _hello()
    assert again["pid"] == first["pid"] and again["checks"] == first["checks"] + 3  # it answered all three


@needs_warm
def test_a_changed_test_makes_the_server_leave_and_the_check_sees_the_change(course):
    check(course, "right.py")
    pid = _wait_for_server(1)["pid"]
    test_file = course / "assignments" / "mini" / "tests" / "public" / "test_basics.py"
    test_file.write_text(test_file.read_text() + "\n\ndef test_new_rule(student):\n    assert False, 'new rule'\n")
    code, out, _ = check(course, "right.py")
    # The server had compiled the old tests: it must not answer with them.
    assert code == 1 and "new rule" in out
    assert _wait_gone(pid)


@needs_warm
def test_a_student_editing_the_file_in_the_assignment_folder_keeps_the_server(course):
    """A student's release folder holds the notebook next to assignment.yaml and the tests: editing it is
    what students do between checks, and must neither retire the server nor be answered from before."""
    folder = course / "mini"  # named after the assignment: the checker finds it by that
    shutil.copytree(course / "assignments" / "mini", folder)
    shutil.copy(course / "stub.py", folder / "mini.py")
    code, out, _ = check(folder, "mini.py")
    assert code == 1
    first = _wait_for_server(1)
    shutil.copy(course / "right.py", folder / "mini.py")
    code, out, _ = check(folder, "mini.py")
    assert code == 0 and "1/1 public tests passed" in out
    again = _hello()
    assert again["pid"] == first["pid"] and again["checks"] == first["checks"] + 1


@needs_warm
def test_another_environment_is_not_served(course, monkeypatch):
    check(course, "right.py")
    _wait_for_server(1)
    monkeypatch.setenv("AUTOGRADER_WARM", "0")  # changes how the check runs: a server of other settings
    assert check_server.connect() is None
    assert check_server.ask(["check", "mini", "right.py"]) is None


@needs_warm
def test_a_busy_server_is_not_waited_for(course):
    check(course, "right.py")
    _wait_for_server(1)
    sock, _ = check_server.connect()  # holds the server, as a check in another terminal would
    try:
        started = time.monotonic()
        assert check_server.ask(["check", "mini", "right.py"]) is None
        assert time.monotonic() - started < 2 * check_server.HELLO_S + 1  # 1 s: a loaded machine's slack
    finally:
        sock.close()


@needs_warm
def test_an_idle_server_leaves_and_closes_its_box(course, monkeypatch):
    monkeypatch.setenv(check_server.KEEP_ENV, "1")
    check(course, "right.py")
    pid = _wait_for_server(1)["pid"]
    assert [n for n in os.listdir("/tmp") if n.startswith(f"ag-jobs-{pid}-")]  # its warm box
    assert _wait_gone(pid)
    assert not list((course.parent / "run" / "autograder").glob("*.sock"))
    assert not [n for n in os.listdir("/tmp") if n.startswith(f"ag-jobs-{pid}-")]  # the box was closed


@needs_warm
def test_a_killed_server_cleans_up_as_an_idle_one_does(course):
    check(course, "right.py")
    pid = _wait_for_server(1)["pid"]
    os.kill(pid, signal.SIGTERM)
    assert _wait_gone(pid)
    assert not list((course.parent / "run" / "autograder").glob("*.sock"))
    assert not [n for n in os.listdir("/tmp") if n.startswith(f"ag-jobs-{pid}-")]  # the box was closed


@pytest.mark.parametrize("key", ["ours", "another"])
def test_a_server_that_hangs_up_or_has_another_key_leaves_the_check_to_the_command(course, key):
    """A server that dies during a check (killed, or a fault of ours), or one of other settings under the same
    socket name: no output, and the command runs the check itself."""
    ours = check_server.server_key()
    path = check_server.socket_path(ours, check_server.socket_dir())
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)
    requests = []

    def serve_once():
        conn, _ = listener.accept()
        with conn:
            check_server._send(conn, {"key": ours if key == "ours" else ours + " ", "checks": 0, "pid": 1})
            try:
                requests.append(check_server._receive(conn))  # the request; then it is gone
            except OSError:
                pass

    thread = threading.Thread(target=serve_once)
    thread.start()
    try:
        assert check_server.ask(["check", "mini", "right.py"]) is None
    finally:
        thread.join()
        listener.close()
    assert len(requests) == (1 if key == "ours" else 0)  # another key's server is not even asked


@pytest.mark.parametrize("mode", [0o755, 0o770, "symlink", "file"])
def test_a_socket_folder_others_can_reach_is_never_used(tmp_path, monkeypatch, mode):
    run = tmp_path / "run"
    run.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(run))
    monkeypatch.setenv(check_server.KEEP_ENV, "60")
    if mode == "symlink":
        (tmp_path / "elsewhere").mkdir(mode=0o700)
        (run / "autograder").symlink_to(tmp_path / "elsewhere")
    elif mode == "file":
        (run / "autograder").write_text("")
        os.chmod(run / "autograder", 0o600)
    else:
        (run / "autograder").mkdir()
        os.chmod(run / "autograder", mode)
    assert check_server.socket_dir() is None
    assert check_server.connect() is None
    check_server.spawn(["check", "mini", "right.py"])  # nothing is started, nothing written there
    time.sleep(0.5)
    assert (run / "autograder").is_file() if mode == "file" else not list((run / "autograder").iterdir())


def test_servers_are_off_with_keep_zero(tmp_path, monkeypatch):
    (tmp_path / "run").mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    monkeypatch.setenv(check_server.KEEP_ENV, "0")
    check_server.spawn(["check", "mini", "right.py"])
    assert not (tmp_path / "run" / "autograder").exists()  # not even its folder
    assert check_server.ask(["check", "mini", "right.py"]) is None


@pytest.mark.skipif(os.geteuid() != 0, reason="needs another uid to connect from")
@needs_warm
def test_the_server_does_not_answer_another_user(course, monkeypatch):
    """Defense in depth behind the private folder: with the folder and the socket opened to everyone by
    mistake, another uid still gets no answer (the server checks the peer's uid)."""
    run = tempfile.mkdtemp(prefix="ag-test-run-")  # under /tmp: a path the other uid can walk
    os.chmod(run, 0o755)
    monkeypatch.setenv("XDG_RUNTIME_DIR", run)
    try:
        check(course, "right.py")
        _wait_for_server(1)
        folder = check_server.socket_dir()
        path = check_server.socket_path(check_server.server_key(), folder)
        os.chmod(folder, 0o777)
        os.chmod(path, 0o777)
        read, write = os.pipe()
        child = os.fork()
        if child == 0:  # another uid: connect, and say what came back
            try:
                os.setgid(65534)
                os.setuid(65534)
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                sock.settimeout(5)
                sock.connect(path)
                os.write(write, b"connected:" + sock.recv(100))
            finally:
                os._exit(0)
        os.close(write)
        got = b""
        while chunk := os.read(read, 100):
            got += chunk
        os.waitpid(child, 0)
        assert got == b"connected:"  # it reached the socket, and was hung up on without a word
        os.chmod(folder, 0o700)
    finally:
        check_server.stop()
        shutil.rmtree(run, ignore_errors=True)
