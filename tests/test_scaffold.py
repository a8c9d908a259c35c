"""`autograder new`: the assignment it writes releases and validates unchanged; it refuses rather than overwrite."""

import json
import shutil
import subprocess
import sys

import pytest

from autograder import cli, extras
from autograder.course import Course
from helpers import FIXTURE_COURSE


@pytest.fixture
def course(tmp_path):
    """A copy of the fixture course: `new` writes into it."""
    shutil.copytree(FIXTURE_COURSE, tmp_path / "course")
    return tmp_path / "course"


def autograder(*args, cwd):
    return subprocess.run([sys.executable, "-m", "autograder", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def files(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_new_then_release_and_validate_pass_unchanged(course):
    done = autograder("new", "demoassign", "--title", "Affine layers: a first look", cwd=course)
    assert done.returncode == 0, done.stderr
    written = {line.removeprefix("wrote ") for line in done.stdout.splitlines() if line.startswith("wrote ")}
    assert written == {str(course / p) for p in (
        "assignments/demoassign/assignment.yaml", "assignments/demoassign/tests/public_support.py",
        "assignments/demoassign/tests/public/test_forward.py", "assignments/demoassign/tests/public/test_backward.py",
        "assignments/demoassign/tests/hidden/test_forward.py", "assignments/demoassign/tests/hidden/test_backward.py",
        "solutions/demoassign/demoassign.ipynb")}
    demo = Course(course).assignment("demoassign")
    assert demo.title == "Affine layers: a first look" and [p.name for p in demo.parts] == ["forward", "backward"]

    done = autograder("release", "demoassign", cwd=course)
    assert done.returncode == 0, done.stderr
    done = autograder("validate", "demoassign", cwd=course)
    assert done.returncode == 0 and "demoassign: OK" in done.stdout, done.stdout + done.stderr
    assert "reference: 10 / 10" in done.stdout and "release stub: 0 / 10" in done.stdout

    released = course / "release" / "demoassign"
    assert set(files(released)) == {"README.md", "assignment.yaml", "demoassign.ipynb", "tests/public_support.py",
                                    "tests/public/test_forward.py", "tests/public/test_backward.py"}
    nb = json.loads((released / "demoassign.ipynb").read_text())
    text = "".join("".join(c["source"]) for c in nb["cells"])
    code = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    assert "BEGIN SOLUTION" not in text and code.count("raise NotImplementedError()") == 2
    assert 'grader.check("forward")' in text and 'Checker("demoassign")' in text
    assert all("nbgrader" in c["metadata"] and c["id"] == c["metadata"]["nbgrader"]["grade_id"] for c in nb["cells"])


@pytest.mark.parametrize("name", ["2fast", "bad-name", "class", "a b", ""])
def test_a_name_that_is_not_an_identifier_is_refused(course, capsys, name):
    before = files(course)
    assert cli.main(["new", name, "--course", str(course)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot name an assignment: use a Python identifier" in err, err
    assert files(course) == before


def test_an_existing_assignment_is_never_overwritten(course, capsys):
    (course / "release" / "later").mkdir(parents=True)  # a release folder alone is enough to refuse
    for name, folder in (("mini", "assignments/mini"), ("later", "release/later")):
        before = files(course)
        assert cli.main(["new", name, "--course", str(course)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and f"{course / folder} already exists" in err and "never overwrites" in err
        assert files(course) == before


def test_new_needs_a_course_folder_or_course(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # no assignments/ here: `new` does not fall back to this checkout's course
    assert cli.main(["new", "demo"]) == 2
    assert "no assignments/ folder here" in capsys.readouterr().err and not any(tmp_path.iterdir())
    assert cli.main(["new", "demo", "--course", str(tmp_path / "fresh")]) == 0  # a course that does not exist yet
    assert (tmp_path / "fresh" / "solutions" / "demo" / "demo.ipynb").is_file()


def test_without_nbformat_new_says_which_extra_in_one_line(course, capsys, monkeypatch):
    real = extras.installed
    monkeypatch.setattr(extras, "installed", lambda module: module != "nbformat" and real(module))
    before = files(course)
    assert cli.main(["new", "demo", "--course", str(course)]) == 2
    err = capsys.readouterr().err
    assert err == "autograder: new needs nbformat, the instructor's tools: pip install 'nngrader[instructor]'\n"
    assert files(course) == before
