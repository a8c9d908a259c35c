"""The commands end to end, as a TA, a student and an instructor use them."""

import csv
import dataclasses
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder import api, release
from autograder.course import Course
from helpers import FIXTURE_COURSE, REPO

GOOD = FIXTURE_COURSE / "solutions" / "mini" / "mini.py"
WRONG = "import numpy as np\ndef add(a, b):\n    return a - b\ndef slow():\n    return 1.0\ndef double(x):\n    return 2 * x\n"


def cli(*args, cwd=FIXTURE_COURSE, timeout=120):
    return subprocess.run([sys.executable, "-m", "autograder", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture
def batch(tmp_path):
    """A folder mixing the layouts of grading.md."""
    root = tmp_path / "subs"
    (root / "alice").mkdir(parents=True)
    (root / "alice" / "mini.py").write_text(GOOD.read_text())
    (root / "alice" / "scratch.py").write_text("x = 1\n")  # mini.py wins over other files
    (root / "bob").mkdir()
    with zipfile.ZipFile(root / "bob" / "upload.zip", "w") as z:
        z.writestr("hw/mini.py", WRONG)
    (root / "carol.py").write_text("def add(a, b) return a\n")  # flat file, syntax error
    (root / "dave").mkdir()  # nothing to grade
    nb = tmp_path / "export"
    (nb / "submitted" / "erin" / "mini").mkdir(parents=True)
    (nb / "submitted" / "erin" / "mini" / "mini.py").write_text(GOOD.read_text())
    return root


def test_grade_writes_results_feedback_and_gradebook(batch, tmp_path):
    out = tmp_path / "out"
    done = cli("grade", "mini", str(batch), str(batch.parent / "export"), "--out", str(out), "--jobs", "2")
    assert done.returncode == 0, done.stderr
    rows = {r["student"]: r for r in csv.DictReader((out / "gradebook.csv").open())}
    assert set(rows) == {"alice", "bob", "carol", "dave", "erin"}
    assert rows["alice"]["total"] == "10" and rows["erin"]["total"] == "10"
    assert rows["bob"]["basics"] == "1.5" and rows["bob"]["arrays"] == "4"
    assert rows["carol"]["total"] == "0" and rows["carol"]["status"] == "graded"
    assert rows["dave"]["total"] == "" and rows["dave"]["status"] == "unreadable"  # no file: no score, never a 0
    results = json.loads((out / "bob" / "results.json").read_text())
    assert {"score", "max_score", "execution_time", "output", "tests"} <= set(results)
    assert all({"name", "score", "max_score", "status", "output", "visibility"} <= set(t) for t in results["tests"])
    extra = results["extra_data"]
    assert extra["student"] == "bob" and extra["assignment"] == "mini" and len(extra["sha256"]) == 64
    assert extra["sandbox"] and extra["runner"] == {"executor": "local"} and extra["device"] == "cpu"
    assert "hw/mini.py" in " ".join(extra["notes"])
    assert "syntax error" in (out / "carol" / "feedback.md").read_text()
    assert "no .py, .ipynb or .zip" in (out / "dave" / "feedback.md").read_text()
    assert (out / "alice" / "feedback.html").read_text().startswith("<!doctype html>")


def test_feedback_never_shows_hidden_test_code_or_expected_values(batch, tmp_path):
    out = tmp_path / "out"
    done = cli("grade", "mini", str(batch), "--out", str(out))
    assert done.returncode == 0
    hidden_lines = [line.strip() for f in (FIXTURE_COURSE / "assignments/mini/tests/hidden").glob("*.py")
                    for line in f.read_text().splitlines() if len(line.strip()) > 25]
    for student in ("bob", "carol", "alice"):
        text = (out / student / "feedback.md").read_text() + (out / student / "results.json").read_text()
        assert not [line for line in hidden_lines if line in text]
    # bob's add is a - b: the expected value 1 + -4 = -3 must not be shown, only the error size.
    assert "-3" not in (out / "bob" / "feedback.md").read_text()


def test_a_corrupt_submission_does_not_stop_the_batch(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "a.ipynb").write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(200))
    (subs / "b.py").write_text(GOOD.read_text())
    done = cli("grade", "mini", str(subs), "--out", str(tmp_path / "out"))
    assert done.returncode == 0
    rows = {r["student"]: (r["total"], r["status"]) for r in csv.DictReader((tmp_path / "out" / "gradebook.csv").open())}
    assert rows == {"a": ("", "unreadable"), "b": ("10", "graded")}


def test_check_exit_status_and_output(tmp_path):
    done = cli("check", "mini", str(GOOD))
    assert done.returncode == 0 and "PASS  test_add_small" in done.stdout and "1/1 public tests passed" in done.stdout
    bad = tmp_path / "mini.py"
    bad.write_text(WRONG)
    done = cli("check", "mini", str(bad))
    assert done.returncode == 1 and "FAIL  test_add_small" in done.stdout and "relative error" in done.stdout
    assert "test_add_more" not in done.stdout  # hidden tests are not run by check


def test_usage_errors_exit_2():
    assert cli("grade", "nosuch", str(GOOD)).returncode == 2
    assert "no assignment named 'nosuch'" in cli("grade", "nosuch", str(GOOD)).stderr
    assert cli("grade", "mini", "/does/not/exist").returncode == 2
    assert cli("grade", "mini", str(GOOD), "--cluster", "tcp://127.0.0.1:1").returncode == 2
    assert cli("frobnicate").returncode == 2


def test_list_shows_parts_and_points():
    done = cli("list")
    assert done.returncode == 0 and "mini: Mini assignment (10 points)" in done.stdout and "arrays" in done.stdout


@pytest.mark.parametrize("where", ["before", "after"])
def test_course_is_taken_before_or_after_the_command(tmp_path, where):
    """--course names the course wherever it stands; the working folder (no assignments/) plays no part."""
    flag = ["--course", str(FIXTURE_COURSE)]
    args = [*flag, "list"] if where == "before" else ["list", *flag]
    done = cli(*args, cwd=tmp_path)
    assert done.returncode == 0 and "mini: Mini assignment (10 points)" in done.stdout, done.stderr
    assert "backprop" not in done.stdout  # not this checkout's course
    out = tmp_path / "out"
    args = ["grade", "mini", str(GOOD), "--out", str(out)]
    done = cli(*(flag + args if where == "before" else args + flag), cwd=tmp_path)
    assert done.returncode == 0 and (out / "mini" / "results.json").is_file(), done.stderr


def test_a_course_flag_without_assignments_is_a_usage_error(tmp_path):
    done = cli("--course", str(tmp_path), "list", cwd=tmp_path)
    assert done.returncode == 2 and "no assignments/ folder" in done.stderr


# --- the real course: release and validation -------------------------------------------

def test_release_is_current_and_holds_no_solutions_or_hidden_tests():
    backprop = Course(REPO).assignment("backprop")
    assert release.differences(backprop) == []
    folder = Course.of(backprop).release_dir(backprop.name)
    names = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert "backprop.ipynb" in names and not any("hidden" in n or "heldout" in n for n in names)
    notebook = (folder / "backprop.ipynb").read_text()
    assert "BEGIN SOLUTION" not in notebook and "NotImplementedError" in notebook
    nb = json.loads(notebook)
    assert all("nbgrader" in c["metadata"] for c in nb["cells"])  # usable as an nbgrader source
    solution_lines = {line.strip() for line in (REPO / "solutions/backprop/backprop.ipynb").read_text().split("\\n")
                      if "dlogits" in line and "=" in line}
    assert not [line for line in solution_lines if line in notebook]


def test_release_check_notices_a_stale_release(tmp_path):
    course = tmp_path / "course"
    for part in ("assignments", "solutions", "release"):
        (course / part).mkdir(parents=True)
    import shutil
    shutil.copytree(REPO / "assignments/backprop", course / "assignments/backprop")
    shutil.copytree(REPO / "solutions/backprop", course / "solutions/backprop")
    shutil.copytree(REPO / "release/backprop", course / "release/backprop")
    assert cli("release", "backprop", "--check", cwd=course).returncode == 0
    (course / "release/backprop/tests/public/test_activations.py").write_text("# edited by hand\n")
    done = cli("release", "backprop", "--check", cwd=course)
    assert done.returncode == 1 and "test_activations.py: out of date" in done.stderr
    assert cli("release", "backprop", cwd=course).returncode == 0
    assert cli("release", "backprop", "--check", cwd=course).returncode == 0


def test_validate_backprop():
    assert api.validate("backprop", log=io.StringIO()) == []


def test_a_student_can_check_inside_the_release_folder(tmp_path):
    import shutil
    shutil.copytree(REPO / "release/backprop", tmp_path / "backprop")
    done = subprocess.run([sys.executable, "-m", "autograder", "check", "backprop", "backprop.ipynb"],
                          cwd=tmp_path / "backprop", capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "NotImplementedError" in done.stdout and "FAIL" in done.stdout


def test_a_usage_error_creates_no_output(tmp_path):
    out = tmp_path / "out"
    assert cli("grade", "mini", "/does/not/exist", "--out", str(out)).returncode == 2
    assert not out.exists()


def test_device_cuda_without_cuda_is_refused_before_grading(tmp_path):
    from autograder import devices
    if devices.cuda_available():
        pytest.skip("this machine has CUDA")
    out = tmp_path / "out"
    stub = REPO / "release" / "cnn" / "cnn.ipynb"
    done = cli("grade", "cnn", str(stub), "--out", str(out), "--device", "cuda", cwd=REPO)
    assert done.returncode == 2 and "no CUDA device" in done.stderr
    assert not (out / "gradebook.sqlite").exists()


# --- installation: what is missing is said in one line, before anything runs --------------------
def test_version_names_the_code_and_the_course():
    done = cli("--version")
    import autograder
    assert done.returncode == 0
    assert f"code: {Path(autograder.__file__).parent}" in done.stdout
    assert f"course: {FIXTURE_COURSE.resolve()}" in done.stdout and "(nngrader)" in done.stdout


def test_check_takes_the_folder_holding_the_file(tmp_path):
    (tmp_path / "notes.py").write_text("x = 1\n")  # older, and not the assignment's name
    (tmp_path / "mini.py").write_text(GOOD.read_text())
    done = cli("check", "mini", str(tmp_path))
    assert done.returncode == 0 and f"checking {tmp_path / 'mini.py'}" in done.stdout, done.stdout + done.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    done = cli("check", "mini", str(empty))
    assert done.returncode == 2 and "no .ipynb, .py or .zip file here" in done.stderr and "Traceback" not in done.stderr


def test_a_module_the_assignment_needs_but_this_python_lacks_is_one_line(tmp_path):
    import shutil
    course = tmp_path / "course"
    shutil.copytree(FIXTURE_COURSE / "assignments", course / "assignments")
    shutil.copytree(FIXTURE_COURSE / "solutions", course / "solutions")
    yaml_path = course / "assignments" / "mini" / "assignment.yaml"
    yaml_path.write_text(yaml_path.read_text().replace("allowed_imports: [numpy, math]",
                                                       "allowed_imports: [numpy, math, nosuchmodule_xyz]"))
    for args in (["grade", "mini", str(GOOD), "--out", str(tmp_path / "out")], ["check", "mini", str(GOOD)]):
        done = cli(*args, cwd=course)
        assert done.returncode == 2 and "Traceback" not in done.stderr
        assert "the mini assignment needs nosuchmodule_xyz, which is not installed" in done.stderr
    assert not (tmp_path / "out").exists()


def test_missing_extras_name_the_extra(monkeypatch, mini):
    from autograder import cli as cli_module
    from autograder import extras
    from autograder.config import ConfigError
    real = extras.installed
    monkeypatch.setattr(extras, "installed", lambda m: m not in ("torch", "nbgrader", "pytest") and real(m))
    torch_course = dataclasses.replace(mini, name="cnnlike", allowed_imports=("torch", "numpy"))
    with pytest.raises(ConfigError, match=r"needs torch, which is not installed: pip install 'nngrader\[torch\]'"):
        extras.require(torch_course)
    with pytest.raises(ConfigError, match=r"pip install 'nngrader\[instructor\]'"):
        extras.require_instructor_tools()
    assert cli_module.main(["doctor"]) == 1  # pytest missing: this installation cannot grade


def test_check_shows_what_the_code_printed_when_a_test_fails(tmp_path):
    chatty = GOOD.read_text().replace("    return a + b", "    print('debug: a =', a)\n    return a - b")
    (tmp_path / "mini.py").write_text(chatty)
    done = cli("check", "mini", str(tmp_path / "mini.py"))
    assert done.returncode == 1 and "what your code printed" in done.stdout and "  | debug: a =" in done.stdout
    (tmp_path / "mini.py").write_text(GOOD.read_text().replace("    return a + b", "    print('fine')\n    return a + b"))
    done = cli("check", "mini", str(tmp_path / "mini.py"))
    assert done.returncode == 0 and "what your code printed" not in done.stdout  # only when something failed


def test_unreadable_submissions_have_a_status_and_a_reason_never_an_ordinary_zero(tmp_path):
    root = tmp_path / "subs"
    for student, name, data in (("ada", "mini.py", GOOD.read_bytes()), ("corrupt", "mini.ipynb", b'{"cells": ['),
                                ("empty", "mini.py", b""), ("pdf", "report.pdf", b"%PDF-1.4")):
        (root / student).mkdir(parents=True)
        (root / student / name).write_bytes(data)
    out = tmp_path / "out"
    done = cli("grade", "mini", str(root), "--out", str(out))
    assert done.returncode == 0, done.stderr
    with (out / "gradebook.csv").open(newline="") as fh:
        rows = {r["student"]: r for r in csv.DictReader(fh)}
    assert rows["ada"]["status"] == "graded" and rows["ada"]["total"] == "10"
    for student in ("corrupt", "empty", "pdf"):
        assert rows[student]["status"] == "unreadable" and rows[student]["notes"], rows[student]
        assert json.loads((out / student / "results.json").read_text())["extra_data"]["status"] == "unreadable"
        assert "Status: unreadable" in (out / student / "feedback.md").read_text()
    summary = (out / "summary.html").read_text()
    assert "1 submissions graded, 3 unreadable" in summary and "Unreadable submissions" in summary
    assert "1 graded, 3 unreadable, 0 grader fault(s)" in done.stderr


def test_check_in_a_release_folder_inside_another_course(tmp_path):
    """`check` run in release/NAME of a course that is not this checkout uses that course (it used to look
    only at the working folder and this checkout, and failed for a newcomer's fresh clone)."""
    import shutil
    course = tmp_path / "course"
    shutil.copytree(FIXTURE_COURSE, course, ignore=shutil.ignore_patterns("graded", "__pycache__"))
    release = course / "release" / "mini"  # what `release` writes, by hand: mini's master is a .py, not a notebook
    shutil.rmtree(release, ignore_errors=True)
    shutil.copytree(course / "assignments" / "mini" / "tests" / "public", release / "tests" / "public")
    shutil.copy(course / "assignments" / "mini" / "assignment.yaml", release)
    (release / "mini.py").write_text(GOOD.read_text())
    done = subprocess.run([sys.executable, "-m", "autograder", "check", "mini", "."], cwd=course / "release" / "mini",
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "public tests passed" in done.stdout, done.stderr
