"""``import pytest`` in a test file the grader loads while pytest is not imported: autograder.marks stands in
for it, and the tests it gives are the ones pytest's own marks give."""

import os
import subprocess
import sys
import textwrap

import pytest

from autograder import marks, suite
from autograder.course import Course
from helpers import REPO

TEST_FILE = textwrap.dedent('''
    @pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
    def test_single(activation):
        pass

    @pytest.mark.parametrize("activation,reg", [("sigmoid", 0.0), ("tanh", 0.1)])
    def test_pairs(activation, reg):
        pass

    @pytest.mark.parametrize("x", [1, 2])
    @pytest.mark.parametrize("y", [pytest.param(3, id="three"), pytest.param(None)])
    @pytest.mark.slow
    def test_stacked(x, y):
        pass

    @pytest.mark.parametrize(("a", "b"), [(1, [2]), (object(), "s")], ids=["first", "second"])
    def test_ids(a, b):
        pass

    uses = pytest.mark.parametrize("k", [0, 1])

    @uses
    def test_named_mark(k):
        pass

    def test_plain():
        pass
''')


def expanded(pytest_module) -> list[tuple[str, tuple]]:
    namespace = {"pytest": pytest_module}
    exec(TEST_FILE, namespace)
    assignment = Course(REPO).assignment("backprop")
    cases = []
    for name, func in namespace.items():
        if name.startswith("test_"):
            cases += suite._expand(assignment, "mlp", "public", name, func)
    return [(c.id, tuple((k, v if isinstance(v, (int, float, str, type(None), list)) else type(v).__name__)
                         for k, v in c.params)) for c in cases]


def test_the_stand_in_expands_tests_as_pytest_does():
    assert expanded(marks.PYTEST) == expanded(pytest)
    assert len(expanded(marks.PYTEST)) == 3 + 2 + 4 + 2 + 2 + 1


def test_other_names_come_from_pytest():
    assert marks.PYTEST.raises is pytest.raises
    assert marks.PYTEST.approx is pytest.approx
    from_import = {}
    exec("from pytest import mark, param, raises", {"__builtins__": suite.Support(REPO).builtins("public")},
         from_import)
    assert from_import["raises"] is pytest.raises


def test_pytest_is_given_where_it_is_imported():
    module_builtins = suite.Support(REPO / "assignments" / "backprop" / "tests").builtins("public")
    namespace = {"__builtins__": module_builtins}
    exec("import pytest", namespace)
    assert namespace["pytest"] is pytest  # this process has it


def test_check_does_not_import_pytest_for_marks():
    """Collecting backprop's public tests (which import pytest for parametrize) in a fresh interpreter leaves
    pytest unimported, and gives the same tests as here."""
    code = textwrap.dedent('''
        import sys
        from autograder import suite
        from autograder.course import Course
        cases = suite.collect(Course.locate().assignment("backprop"), ("public",))
        print("pytest imported" if "pytest" in sys.modules else "pytest not imported")
        print(sorted(c.id for c in cases))
    ''')
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert out[0] == "pytest not imported"
    here = suite.collect(Course(REPO).assignment("backprop"), ("public",))
    assert out[1] == str(sorted(c.id for c in here))
    assert any("[" in c.id for c in here)  # parametrized tests among them
