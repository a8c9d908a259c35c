"""Support modules (tests/support.py, tests/public_support.py): per assignment, never shared, released only
when a public test needs one, and a broken import is a grader error, not a crash."""

import inspect
import io
import os
import shutil
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from autograder import api, config, release, suite
from autograder.course import Course
from helpers import FIXTURE_COURSE, REPO, outcome


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))


def add_assignment(course: Path, name: str) -> Path:
    """A copy of the mini assignment called ``name`` (student file mini.py) in ``course``."""
    root = course / "assignments" / name
    shutil.copytree(FIXTURE_COURSE / "assignments" / "mini", root)
    (root / "assignment.yaml").write_text((root / "assignment.yaml").read_text().replace("name: mini", f"name: {name}"))
    shutil.copytree(FIXTURE_COURSE / "solutions" / "mini", course / "solutions" / name)
    return root


@pytest.fixture
def course(tmp_path):
    """Two assignments whose support modules say whose they are; their tests check that they see their own."""
    course = tmp_path / "course"
    for name in ("alpha", "beta"):
        root = add_assignment(course, name)
        write(root / "tests" / "support.py", f"""
            from public_support import OWNER as PUBLIC_OWNER
            OWNER = {name!r}
            CALLS = []
            """)
        write(root / "tests" / "public_support.py", f"OWNER = {name + ' (public)'!r}\n")
        write(root / "tests" / "hidden" / "test_arrays.py", f"""
            import support
            from support import OWNER, PUBLIC_OWNER

            from autograder.testing import check_true


            def test_top_level_import():
                support.CALLS.append(1)  # a fresh support module for every submission: one call each time
                seen = OWNER, PUBLIC_OWNER, len(support.CALLS)
                check_true(seen == ({name!r}, {name + ' (public)'!r}, 1), f"saw {{seen}}")


            def test_import_at_run_time():
                import support as again
                from public_support import OWNER as public
                seen = again.OWNER, public, again is support
                check_true(seen == ({name!r}, {name + ' (public)'!r}, True), f"saw {{seen}}")
            """)
        write(root / "tests" / "public" / "test_basics.py", f"""
            from public_support import OWNER

            from autograder.testing import check_true


            def test_public():
                check_true(OWNER == {name + ' (public)'!r}, f"saw {{OWNER}}")
            """)
    return course


def load(course: Path, name: str) -> config.Assignment:
    return config.load(course / "assignments" / name / "assignment.yaml")


def run_own_tests(assignment) -> dict:
    """{id: (status, message)} of the tests written by the fixture (those that need no fixture)."""
    cases = [c for c in suite.collect(assignment) if not inspect.signature(c.func).parameters]
    return {c.id: (o.status, o.message) for c in cases for o in [suite.run_one(c, {})]}


def test_each_assignment_gets_its_own_support_modules(course):
    for _ in range(2):  # fresh modules at every collect: CALLS starts empty each time
        for name in ("alpha", "beta"):
            assert run_own_tests(load(course, name)) == {
                "test_top_level_import": ("passed", ""), "test_import_at_run_time": ("passed", ""),
                "test_public": ("passed", "")}
    assert "support" not in sys.modules and "public_support" not in sys.modules


def test_threads_grading_two_assignments_do_not_mix_them_up(course):
    assignments = [load(course, "alpha"), load(course, "beta")]
    wrong, barrier = [], threading.Barrier(8)

    def work(i):
        barrier.wait()
        for _ in range(20):
            wrong.extend(m for s, m in run_own_tests(assignments[i % 2]).values() if s != "passed")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wrong == []


def test_support_py_is_not_a_part_but_a_misplaced_one_is_reported(course):
    path = course / "assignments" / "alpha" / "assignment.yaml"
    assert [p.name for p in config.load(path).parts] == ["basics", "arrays"]
    shutil.move(path.parent / "tests" / "support.py", path.parent / "tests" / "hidden" / "support.py")
    with pytest.raises(config.ConfigError, match="tests/hidden/support.py is not where tests import support from"):
        config.load(path)


def test_a_public_test_cannot_import_the_hidden_support(course):
    root = course / "assignments" / "alpha"
    write(root / "tests" / "public" / "test_basics.py", "from support import OWNER\n\n\ndef test_x():\n    pass\n")
    write(root / "tests" / "public_support.py", "import support\n")  # nor can public_support
    cases = {(c.visibility, c.id): c for c in suite.collect(load(course, "alpha"))}
    broken = cases[("public", "test_basics.py")]
    result = suite.run_one(broken, {})
    assert result.status == "error" and result.grader_error and "never released" in result.message
    # the hidden file imports support, which imports public_support, which imports support: refused as well
    assert "never released" in suite.run_one(cases[("hidden", "test_arrays.py")], {}).message
    assert ("hidden", "test_add_more[1.0--4.0]") in cases  # the other files load


def test_a_missing_name_is_a_grader_error_and_the_batch_goes_on(course, tmp_path):
    root = course / "assignments" / "alpha"
    write(root / "tests" / "hidden" / "test_arrays.py", """
        from support import no_such_helper


        def test_double(student):
            pass
        """)
    subs = tmp_path / "subs"
    for student in ("ada", "bob"):
        write(subs / student / "mini.py", (FIXTURE_COURSE / "solutions/mini/mini.py").read_text())
    results, faults = api.grade_batch("alpha", [subs], tmp_path / "out", jobs=2, log=io.StringIO(),
                                      course=Course(course))
    assert faults == [] and sorted(r.student for r in results) == ["ada", "bob"]
    for result in results:
        broken = outcome(result, "test_arrays.py")
        assert broken.status == "error" and broken.grader_error and broken.part == "arrays"
        assert "ImportError: cannot import name 'no_such_helper' from 'support'" in broken.message
        others = [o for o in result.outcomes if o.id != "test_arrays.py"]
        assert len(others) == 4 and all(o.status == "passed" for o in others)  # test_public, test_add_more x2, ...
        assert {p.name: p.score for p in result.parts} == {"basics": 6, "arrays": 0}


NOTEBOOK_CELL = """\
import numpy as np


def add(a, b):
    ### BEGIN SOLUTION
    return a + b
    ### END SOLUTION
"""


def notebook_master(root: Path, name: str) -> None:
    """A notebook master solution for ``name``, which ``autograder release`` needs."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(NOTEBOOK_CELL)
    cell.metadata["nbgrader"] = {"grade": False, "grade_id": "add", "locked": False, "schema_version": 3,
                                 "solution": True, "task": False}
    nb.cells.append(cell)
    (root / "solutions" / name / "mini.py").unlink()
    nbformat.write(nb, str(root / "solutions" / name / "mini.ipynb"))


def released(course: Path, name: str, tmp_path: Path) -> set[str]:
    dest = tmp_path / "out" / name
    if dest.exists():
        shutil.rmtree(dest)
    release.build(load(course, name), dest)
    return {p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file()}


def test_release_copies_public_support_only_when_a_public_test_imports_it(course, tmp_path):
    notebook_master(course, "alpha")
    files = released(course, "alpha", tmp_path)
    assert "tests/public_support.py" in files and "tests/public/test_basics.py" in files
    assert not [f for f in files if "hidden" in f or f.endswith("/support.py") or f == "tests/support.py"]
    write(course / "assignments" / "alpha" / "tests" / "public" / "test_basics.py", """
        def test_public():
            import numpy  # imports something else, even inside a function: nothing to copy
        """)
    assert not [f for f in released(course, "alpha", tmp_path) if "support" in f]


def test_release_refuses_a_public_test_that_imports_the_hidden_support(course, tmp_path):
    notebook_master(course, "alpha")
    write(course / "assignments" / "alpha" / "tests" / "public" / "test_basics.py", """
        def test_public():
            from support import OWNER
        """)
    with pytest.raises(config.ConfigError, match="imports support, the hidden tests' helpers, which are never"):
        released(course, "alpha", tmp_path)


@pytest.mark.slow
def test_plain_pytest_gives_each_assignment_its_own_support(course):
    """`pytest assignments --submission ...` through assignments/conftest.py, both assignments in one run."""
    shutil.copyfile(REPO / "assignments" / "conftest.py", course / "assignments" / "conftest.py")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--import-mode=importlib",
                           "--rootdir", str(course), str(course / "assignments"),
                           f"--submission={course / 'solutions/alpha/mini.py'}"],
                          cwd=course, env=env, capture_output=True, text=True, timeout=300)
    # per assignment: test_public, the two of hidden/test_arrays.py and the three of hidden/test_basics.py
    assert done.returncode == 0 and "12 passed" in done.stdout, done.stdout[-3000:] + done.stderr[-2000:]


def test_fixtures_are_read_from_each_test_functions_own_signature():
    """Names are remembered per code object; a wrapper (one code object for every function it wraps) and an
    explicit ``__signature__`` are asked each time, so two wrapped tests never get each other's fixtures."""
    import functools

    def wrap(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            return func(*args, **kwargs)
        return wrapper

    def first(student, rng):
        pass

    def second(reference, data):
        pass

    assert suite._parameters(wrap(first)) == ("student", "rng")
    assert suite._parameters(wrap(second)) == ("reference", "data")
    plain = [lambda student: None for _ in range(2)]  # one code object, two functions
    assert [suite._parameters(f) for f in plain] == [("student",), ("student",)]
    first.__signature__ = inspect.Signature([inspect.Parameter("config", inspect.Parameter.POSITIONAL_OR_KEYWORD)])
    assert suite._parameters(first) == ("config",)
