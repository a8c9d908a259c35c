"""grader.check("part") inside a notebook: the public tests of a part, on the cells the kernel ran,
graded in the sandbox as `autograder check` grades a file.

Most tests drive an in-process IPython shell (its history is what a kernel's is); one runs a real
notebook in a real kernel."""

import pytest

from autograder.course import Course
from autograder.notebook import Checker, CheckError
from helpers import FIXTURE_COURSE

IPython = pytest.importorskip("IPython")

GOOD_ADD = "def add(a, b):\n    return a + b"


@pytest.fixture
def shell():
    """A fresh IPython shell, as get_ipython() returns it in a kernel, with its history in memory."""
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    InteractiveShell.clear_instance()
    sh = InteractiveShell.instance(config=config)
    yield sh
    InteractiveShell.clear_instance()


def run(shell, *cells):
    for src in cells:
        shell.run_cell(src, store_history=True)


def mini_checker(shell):
    return Checker("mini", course=Course(FIXTURE_COURSE), shell=shell)


def test_a_cell_fixed_and_run_again_counts_and_magics_are_dropped(shell):
    grader = mini_checker(shell)
    run(shell, "import numpy as np", "%time x = 1", "def add(a, b):\n    return a - b")
    first = grader.check("basics")
    assert not first.ok and first.total == 1 and "FAIL  test_add_small" in repr(first)
    assert 'note: cell [2] (starting "%time x = 1"): skipped IPython-only line(s) 1' in repr(first)
    run(shell, GOOD_ADD)  # the fix, run again: the last definition wins, as in the kernel
    again = grader.check("basics")
    assert again.ok and again.passed == 1
    assert repr(again).splitlines()[-1] == ("1/1 public tests of basics passed. "
                                           "The hidden tests check more cases; passing these is a start.")


def test_the_code_runs_in_the_sandbox_never_in_the_kernel(shell):
    run(shell, "import numpy as np",
        "def add(a, b):\n    global CALLED\n    CALLED = True\n    print('<script>alert(1)</script>')\n    return a - b")
    result = mini_checker(shell).check("basics")
    assert "CALLED" not in shell.user_ns  # the call happened in the student's process
    assert "  | <script>alert(1)</script>" in repr(result)  # shown as text...
    page = result._repr_html_()
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # ...and escaped as HTML


def test_locations_name_the_cell_by_its_number_in_the_kernel(shell):
    run(shell, "import numpy as np", "def add(a, b):\n    c = a / 0\n    return c")
    result = mini_checker(shell).check("basics")
    assert ('add() raised ZeroDivisionError: float division by zero '
            '(in add, line 2 of the function, in cell [2] (starting "def add(a, b):"))') in repr(result)


def test_unknown_parts_and_check_all(shell):
    grader = mini_checker(shell)
    with pytest.raises(CheckError, match=r"mini has no part 'nope'; its parts are: basics, arrays"):
        grader.check("nope")
    run(shell, "import numpy as np", GOOD_ADD)
    every = grader.check_all()
    assert every.part is None and every.total == 1 and every.ok  # the mini course has public tests of basics only
    assert grader.check("arrays").lines[-1].text == "no public tests of arrays: only the grader's hidden tests check it."


def test_outside_ipython_the_message_says_what_to_do():
    from IPython.core.interactiveshell import InteractiveShell
    InteractiveShell.clear_instance()  # get_ipython() is None, as in a plain interpreter
    with pytest.raises(CheckError, match=r"inside a Jupyter notebook .* autograder check mini \."):
        Checker("mini", course=Course(FIXTURE_COURSE)).check("basics")


def test_cells_that_only_use_the_checker_are_left_out(shell, monkeypatch):
    monkeypatch.chdir(FIXTURE_COURSE)  # the course is found from the kernel's folder
    run(shell, "from autograder.notebook import Checker", "grader = Checker('mini')",
        "import numpy as np", GOOD_ADD, "r = grader.check('basics')", "grader.check_all()")
    grader = shell.user_ns["grader"]
    assert [label for label, _ in grader.cells()] == ["cell [3]", "cell [4]"]
    assert shell.user_ns["r"].ok and not any(line.kind == "note" for line in shell.user_ns["r"].lines)
