"""Warm boxes (sandbox/zygote.py): forked student processes keep every promise of cold ones."""

import os

import pytest

from autograder.sandbox import launcher, zygote

from autograder.sandbox.limits import Limits
from autograder.sandbox.session import SessionConfig, StudentSession
from autograder.sandbox.student import Student

pytestmark = pytest.mark.skipif(not zygote.enabled(Limits()), reason="warm boxes need bubblewrap")

LITTER = '''
import os, subprocess, time
import numpy as np

def litter():
    before = {"tmp": sorted(os.listdir("/tmp")), "shm": sorted(os.listdir("/dev/shm"))}
    open("/tmp/left-behind", "w").write("secret of student A")
    os.makedirs("/tmp/locked/inner")
    open("/tmp/locked/inner/f", "w").write("x")
    os.chmod("/tmp/locked/inner", 0)
    os.chmod("/tmp/locked", 0)
    open("/dev/shm/shared", "w").write("y")
    np.student_mark = "A"            # module state of the parent's numpy
    np.sum = lambda *a, **k: 42      # a monkeypatch
    subprocess.Popen(["/bin/sh", "-c", "sleep 300 &"], start_new_session=True)  # a daemon
    time.sleep(0.2)
    return before  # empty, or the parents of a runtime bound under /tmp (a venv made there)

def look():
    import numpy as np
    others = sorted(int(p) for p in os.listdir("/proc") if p.isdigit()) 
    return {"tmp": sorted(os.listdir("/tmp")), "shm": sorted(os.listdir("/dev/shm")),
            "mark": getattr(np, "student_mark", None), "sum": int(np.sum(np.arange(4))),
            "processes": len(others), "pid": os.getpid()}
'''


def session(src=LITTER, imports=("os", "subprocess", "time", "numpy")):
    s = StudentSession(SessionConfig(src, "m.py", "m", imports))
    s.start()
    return s


def test_a_job_leaves_nothing_for_the_next_one():
    first = session()
    try:
        assert any(m.startswith("warm-parent") for m in first.mechanisms)
        fresh = Student(first).litter()
        box = first._box
    finally:
        first.close()
    second = session()
    try:
        assert second._box is box, "the second student should reuse the warm box"
        seen = Student(second).look()
    finally:
        second.close()
    assert seen["tmp"] == fresh["tmp"] and seen["shm"] == fresh["shm"]
    assert "left-behind" not in seen["tmp"]
    assert seen["mark"] is None and seen["sum"] == 6
    # bubblewrap's init, the warm parent and this job: the daemon is gone
    assert seen["processes"] == 3, seen


def test_a_job_finds_what_reseeding_needs_imported_before_its_fork():
    """numpy.random is imported lazily (numpy 2); the warm parent imports it, so that no job pays for it
    (18 ms each). sys.modules keeps the order of imports: the job's own module, registered before the
    load's first reseed, would come first had the job imported it."""
    s = session("import sys\ndef order():\n    return list(sys.modules)\n", ("sys",))
    try:
        order = Student(s).order()
    finally:
        s.close()
    assert order.index("numpy.random") < order.index("m")


@pytest.mark.skipif(launcher.probe()[0] != "bwrap-root", reason="the parent runs as another uid only as root")
def test_a_job_cannot_signal_trace_or_read_its_warm_parent():
    src = '''
import os, signal
def attack():
    parent = os.getppid()
    found = {}
    try:
        os.kill(parent, signal.SIGSTOP)
        found["signal"] = "sent"
    except PermissionError:
        found["signal"] = "denied"
    try:
        open(f"/proc/{parent}/mem", "rb").read(1)
        found["mem"] = "read"
    except OSError:
        found["mem"] = "denied"
    found["uid"] = os.getuid()
    return found
'''
    s = session(src, ("os", "signal"))
    try:
        found = Student(s).attack()
    finally:
        s.close()
    assert found == {"signal": "denied", "mem": "denied", "uid": launcher.SANDBOX_UID_BASE}


def test_a_job_that_kills_its_warm_parent_breaks_only_its_own_box(monkeypatch):
    """Without the uid layer the job may kill its parent: the box is thrown away, the next student is fine."""
    monkeypatch.setenv(launcher.DISABLE_ENV, "uid")
    src = "import os, signal\ndef kill_parent():\n    os.kill(os.getppid(), signal.SIGKILL)\n    return 1\n"
    first = session(src, ("os", "signal"))
    try:
        box = first._box
        Student(first).kill_parent()
    finally:
        first.close()
    assert box.broken
    second = session()
    try:
        assert second._box is not box and Student(second).look()["sum"] == 6
    finally:
        second.close()


def test_warm_and_cold_grading_agree(grade_source, monkeypatch):
    from helpers import FIXTURE_COURSE
    src = (FIXTURE_COURSE / "solutions" / "mini" / "mini.py").read_text()
    src = src.replace("return", "return 0 *", 1)  # one mistake, so that not everything passes
    warm = grade_source(src)
    monkeypatch.setenv(zygote.WARM_ENV, "0")
    cold = grade_source(src)
    assert not any(m.startswith("warm-parent") for m in cold.sandbox)
    assert any(m.startswith("warm-parent") for m in warm.sandbox)
    assert [(o.id, o.status, o.fraction) for o in warm.outcomes] == [(o.id, o.status, o.fraction) for o in cold.outcomes]
    assert 0 < warm.score < warm.max_score


def test_the_batch_closes_its_warm_boxes(mini, tmp_path):
    import io
    from autograder import api
    (tmp_path / "alice.py").write_text("def add(a, b):\n    return a + b\n")
    before = set(os.listdir("/tmp"))
    results, _ = api.grade_batch("mini", [tmp_path / "alice.py"], tmp_path / "out", 1, log=io.StringIO())
    assert any(m.startswith("warm-parent") for m in results[0].sandbox)
    assert not zygote._idle
    assert not [n for n in set(os.listdir("/tmp")) - before if n.startswith("ag-jobs-")]


def test_a_process_forked_after_grading_grades_with_its_own_box(grade_source):
    """A course's own script may fork workers (multiprocessing, on Linux) after grading in the parent. The child
    grades too, with boxes of its own (the parent's pool of test collectors has no threads there, and its warm
    boxes are the parent's), and the parent's box still serves the parent afterwards."""
    import signal
    from autograder import grade
    from helpers import FIXTURE_COURSE
    src = (FIXTURE_COURSE / "solutions" / "mini" / "mini.py").read_text()
    first = grade_source(src)
    assert any(m.startswith("warm-parent") for m in first.sandbox) and zygote._idle
    kept = [box for _, box in zygote._idle]
    pid = os.fork()
    if pid == 0:  # the child: exit status 0 only if it graded the same way without touching the parent's boxes
        code = 1
        try:
            signal.alarm(120)  # a child that waits forever fails the test instead of hanging it
            code = 2 if zygote._idle else 3 if grade._collector.submit(lambda: 0).result(timeout=30) != 0 else 4
            again = grade_source(src)
            code = 0 if again.score == first.score and not any(box in kept for _, box in zygote._idle) else 5
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    after = grade_source(src)
    assert after.score == first.score and any(box in kept for _, box in zygote._idle)
