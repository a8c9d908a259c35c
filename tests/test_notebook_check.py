"""grader.check("part") inside a notebook: the public tests of a part, on the cells the kernel ran,
graded in the sandbox as `autograder check` grades a file.

Most tests drive an in-process IPython shell (its history is what a kernel's is); one runs a real
notebook in a real kernel."""

import json
import shutil
import sys

import pytest

from autograder.course import Course
from autograder.notebook import Checker, CheckError
from helpers import FIXTURE_COURSE, REPO

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
        "def add(a, b):\n    global CALLED\n    CALLED = True\n"
        "    print('<script>alert(1)</script>')\n    return a - b")
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
    assert grader.check("arrays").lines[-1].text == \
        "no public tests of arrays: only the grader's hidden tests check it."


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


def test_a_release_folder_without_a_course(shell, tmp_path, monkeypatch):
    """The master notebook's setup cell and cells, run as a student would from the release folder."""
    shutil.copytree(REPO / "release" / "backprop", tmp_path / "backprop")
    monkeypatch.chdir(tmp_path / "backprop")
    cells = [c for c in json.loads((REPO / "solutions/backprop/backprop.ipynb").read_text())["cells"]
             if c["cell_type"] == "code"]
    sources = ["".join(c["source"]) for c in cells]
    until = sources.index('grader.check("activations")')
    run(shell, *sources[:until])
    grader = shell.user_ns["grader"]
    assert isinstance(grader, Checker) and grader.assignment().root == tmp_path / "backprop"
    result = grader.check("activations")
    assert result.ok and result.total > 5, repr(result)
    assert not any(line.kind == "note" for line in result.lines), repr(result)  # the setup cell is harmless
    run(shell, "def sigmoid(z):\n    return 0.5 * np.ones_like(z)")
    broken = grader.check("activations")
    assert not broken.ok and "FAIL  test_sigmoid" in repr(broken)


def test_the_setup_cell_says_how_to_install_when_nngrader_is_missing(monkeypatch, capsys):
    cells = json.loads((REPO / "release/backprop/backprop.ipynb").read_text())["cells"]
    [setup] = ["".join(c["source"]) for c in cells if "Checker(" in "".join(c["source"])]
    monkeypatch.setitem(sys.modules, "autograder.notebook", None)  # `import` raises ImportError
    namespace = {"__name__": "__main__"}
    exec(setup, namespace)
    namespace["grader"].check("activations")
    printed = capsys.readouterr().out
    assert printed.count("pip install nngrader") == 2 and "Traceback" not in printed
    graded = {"__name__": "backprop"}  # as the grader loads it: nothing runs, nothing is defined
    exec(setup, graded)
    assert set(graded) == {"__name__", "__builtins__"}


def test_every_release_notebook_says_how_to_check_and_what_to_submit():
    for name in Course(REPO).names():
        assignment = Course(REPO).assignment(name)
        cells = json.loads((REPO / "release" / name / f"{name}.ipynb").read_text())["cells"]
        text = ["".join(c["source"]) for c in cells]
        code = [t for c, t in zip(cells, text) if c["cell_type"] == "code"]
        how = next(t for t in text if t.startswith("## How to check and submit"))
        assert "pip install" in how and "nngrader" in how and f"`{assignment.student_file}.ipynb`" in how
        assert f'grader = Checker("{name}")' in code[0] and 'if __name__ == "__main__":' in code[0]
        assert [t for t in code if t.startswith("grader.check(")] == \
            [f'grader.check("{p.name}")' for p in assignment.parts if not p.manual], name
        answers = {c["metadata"]["nbgrader"].get("grade_id") for c in cells
                   if c["metadata"].get("nbgrader", {}).get("grade")}
        assert {p.answer_cell for p in assignment.parts if p.manual} <= answers, name  # a written answer's cell


def test_the_check_cells_are_invisible_to_grading():
    """The setup cell runs nothing in the sandbox (``__name__`` is not "__main__" there) and the check
    cells are skipped without a mention: loading the master and the release notebook leaves no note
    about them. (``autograder validate`` checks the scores.)"""
    from autograder.grade import run_parts
    course = Course(REPO)
    for name in course.names():
        assignment = course.assignment(name)
        for path in (course.solution_file(assignment), course.release_dir(name) / f"{name}.ipynb"):
            run = run_parts(assignment, path.name, path.read_bytes(), parts=())
            assert not any(word in note for note in run.notes for word in ("grader.check", "Checker", "autograder",
                                                                           "Error")), (path, run.notes)


@pytest.mark.slow
def test_a_real_kernel_runs_the_check_cells(tmp_path):
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    import nbformat
    shutil.copytree(REPO / "release" / "normalization", tmp_path / "normalization")
    nb = nbformat.read(str(REPO / "solutions" / "normalization" / "normalization.ipynb"), as_version=4)
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path / "normalization")}}).execute()
    outputs = {c.source: c.outputs for c in nb.cells if c.cell_type == "code" and c.source.startswith("grader.")}
    for source, out in outputs.items():
        [shown] = [o for o in out if o.output_type == "execute_result"]
        assert "text/html" in shown.data and "FAIL" not in shown.data["text/plain"], (source, shown.data)
        text = shown.data["text/plain"]  # grader.check_all() (docs/authoring.md) sums up every part at once
        assert ("public tests of" in text or source == "grader.check_all()") and " passed." in text, (source, text)
