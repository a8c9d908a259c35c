"""check starts the student's warm box before its own heavy imports (autograder/early.py), and grading takes
that box; from the command line it leaves without the interpreter's teardown, having closed the box."""

import os
import subprocess
import sys
import textwrap

import pytest

from autograder import early, grade
from autograder.sandbox import zygote
from helpers import FIXTURE_COURSE, REPO, needs_warm


def test_the_session_asks_for_the_box_settings_say(mini):
    config = grade.session_config(mini, "x = 1\n", "mini.py")
    assert (config.limits, config.preload) == early.box_settings(mini)


@needs_warm
def test_a_started_box_is_the_one_grading_takes(mini):
    zygote.shutdown()
    try:
        early.start_box(mini)
        [(_, box)] = zygote._idle
        assert box.control is None  # launched, not waited for
        early.start_box(mini)  # one is idle for these settings already: no second one
        assert len(zygote._idle) == 1
        source = (FIXTURE_COURSE / "solutions" / "mini" / "mini.py").read_bytes()
        result = grade.grade_submission(mini, "student", "mini.py", source)
        assert result.score == result.max_score
        assert any(m.startswith("warm-parent") for m in result.sandbox)
        assert [b for _, b in zygote._idle] == [box] and box.control is not None  # used, and idle again
    finally:
        zygote.shutdown()


@needs_warm
def test_a_started_box_imports_its_libraries_unasked(mini):
    """The box imports numpy and the allowed libraries as soon as it starts, not when grading first asks
    for it: a check's two processes import them side by side."""
    import select

    zygote.shutdown()
    try:
        early.start_box(mini)
        [(_, box)] = zygote._idle
        # nothing was sent to it; 60 s: a generous bound on an interpreter start and numpy's import
        readable, _, _ = select.select([box._fds[1]], [], [], 60)
        assert readable, "the box waited to be asked before importing its libraries"
        box.boot()  # the message that was waiting says it is ready
        assert box.control is not None and not box.broken
    finally:
        zygote.shutdown()


@needs_warm
def test_check_starts_the_box_before_importing_numpy_and_leaves_nothing(tmp_path):
    solution = FIXTURE_COURSE / "solutions" / "mini" / "mini.py"
    code = textwrap.dedent('''
        import os, sys
        print(os.getpid(), flush=True)
        from autograder import cli
        from autograder.sandbox import zygote
        real = zygote.prestart
        def prestart(*args):
            print("numpy imported" if "numpy" in sys.modules else "numpy not imported", file=sys.stderr)
            real(*args)
        zygote.prestart = prestart
        sys.argv = ["autograder", "check", "mini", sys.argv[1]]
        cli.main()
        print("not reached: check leaves at once", file=sys.stderr)
    ''')
    done = subprocess.run([sys.executable, "-c", code, str(solution)], cwd=FIXTURE_COURSE, capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == ["numpy not imported"]
    assert "public tests passed" in done.stdout
    pid = done.stdout.split()[0]
    assert not [n for n in os.listdir("/tmp") if n.startswith(f"ag-jobs-{pid}-")]  # the box was closed


def test_pyseccomp_is_imported_without_searching_for_its_libraries(monkeypatch):
    """The box and the grader import pyseccomp on a check's path; its own lookups of libc and libseccomp
    (ctypes.util.find_library, which runs `ldconfig -p`) are answered by loading the usual names."""
    import ctypes.util

    from autograder.sandbox import confine

    pytest.importorskip("pyseccomp")
    searched = []

    def find_library(name):
        searched.append(name)
        return None

    monkeypatch.setattr(ctypes.util, "find_library", find_library)
    monkeypatch.delitem(sys.modules, "pyseccomp")
    module = confine.import_pyseccomp()
    assert searched == []
    assert ctypes.util.find_library is find_library  # put back as it was
    assert module.SyscallFilter(module.ALLOW) is not None  # and the library is usable
