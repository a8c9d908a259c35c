"""A semester's work through the command line, on a small course made here: a due date in the past with
grace, a per-day penalty and an extension; a manual part scored by hand; an adjustment that survives a
regrade; a hidden test fixed between two runs giving changes.csv; --only."""

import csv
import json
import os
import shutil
import subprocess
import sys
import time

import nbformat
import pytest
import yaml

from helpers import FIXTURE_COURSE

GOOD = (FIXTURE_COURSE / "solutions" / "mini" / "mini.py").read_text()
WRONG = GOOD.replace("return a + b", "return a - b")
DAY = 24 * 3600


def notebook(code: str, answer: str | None) -> str:
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell(code))
    if answer is not None:
        cell = nbformat.v4.new_markdown_cell(answer)
        cell.metadata["nbgrader"] = {"grade": True, "solution": True, "grade_id": "explain", "points": 5}
        nb.cells.append(cell)
    return nbformat.writes(nb)


@pytest.fixture
def course(tmp_path):
    """The fixture course with a manual part in mini and a course.yaml: due 10 days ago at noon UTC,
    one hour of grace, 10% per started day, at most 3 days; ada has a 5-day extension."""
    root = tmp_path / "course"
    shutil.copytree(FIXTURE_COURSE, root, ignore=shutil.ignore_patterns("graded", "__pycache__"))
    path = root / "assignments" / "mini" / "assignment.yaml"
    data = yaml.safe_load(path.read_text())
    data["parts"].append({"name": "explain", "points": 5, "manual": True})
    path.write_text(yaml.safe_dump(data))
    due = time.strftime("%Y-%m-%dT12:00:00+00:00", time.gmtime(time.time() - 10 * DAY))
    (root / "course.yaml").write_text(yaml.safe_dump({"time_zone": "UTC", "assignments": {"mini": {
        "due": due, "grace_minutes": 60, "late_percent_per_day": 10, "late_max_days": 3,
        "extensions": {"ada": 5}}}}))
    due_s = time.mktime(time.strptime(due[:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone
    subs = tmp_path / "subs"
    for student, code, answer, handed_in in (
            ("ada", GOOD, "Because the sum is linear.", due_s + 3 * DAY),  # late, but within her extension
            ("bert", GOOD, "<script>alert(1)</script> my answer", due_s + 30 * 60),  # within the grace
            ("cleo", WRONG, None, due_s + 1.5 * DAY),  # 2 started days late: -20%
            ("dan", GOOD, "late", due_s + 5 * DAY)):  # past the last day: zero
        (subs / student).mkdir(parents=True)
        (subs / student / "mini.ipynb").write_text(notebook(code, answer))
        os.utime(subs / student / "mini.ipynb", (handed_in, handed_in))
    return root, subs, tmp_path / "out"


def cli(root, *args):
    return subprocess.run([sys.executable, "-m", "autograder", "--course", str(root), *args], cwd=root,
                          capture_output=True, text=True, timeout=300)


def gradebook(out) -> dict:
    return {r["student"]: r for r in csv.DictReader((out / "gradebook.csv").open())}


def test_deadlines_manual_parts_adjustments_and_a_fixed_test(course):
    root, subs, out = course
    done = cli(root, "grade", "mini", str(subs), "--out", str(out))
    assert done.returncode == 0, done.stderr
    rows = gradebook(out)
    # late work: raw score kept apart, the penalty on the total, the extension and the grace honoured
    assert {s: (r["total"], r["late_penalty"]) for s, r in rows.items()} == {
        "ada": ("10", ""), "bert": ("10", ""), "cleo": ("4.4", "1.1"), "dan": ("0", "10")}
    cleo = json.loads((out / "cleo" / "results.json").read_text())
    assert cleo["score"] == 4.4 and cleo["extra_data"]["raw_score"] == 5.5
    assert cleo["extra_data"]["late"]["days"] == 2 and cleo["extra_data"]["late"]["percent"] == 20
    assert "Late penalty: **-1.10** (20% of 5.50, for 2 day(s)" in (out / "cleo" / "feedback.md").read_text()
    # the manual part: not scored yet, so every row needs review; answers collected for the TA, escaped
    assert {r["status"] for r in rows.values()} == {"needs_review"}
    answers = (out / "answers.html").read_text()
    assert "Because the sum is linear." in answers and "<script>alert" not in answers
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in answers and "No answer found" in answers  # cleo's
    # a TA scores it, corrects an automatic part, takes one back
    assert cli(root, "adjust", str(out), "ada", "--part", "explain", "--score", "4", "--comment", "clear").returncode == 0
    assert cli(root, "adjust", str(out), "ada", "--part", "basics", "--points", "-1", "--comment", "x").returncode == 0
    assert cli(root, "adjust", str(out), "ada", "--undo").returncode == 0
    bad = cli(root, "adjust", str(out), "ada", "--part", "explain", "--score", "9", "--comment", "too much")
    assert bad.returncode == 2 and "between 0 and 5" in bad.stderr
    rows = gradebook(out)
    assert (rows["ada"]["total"], rows["ada"]["explain"], rows["ada"]["status"]) == ("14", "4", "graded")
    assert "explain: set to 4" in (out / "ada" / "feedback.md").read_text()
    # the instructor fixes a hidden test (add must now also be exact for ints): the next grade sees it
    hidden = root / "assignments" / "mini" / "tests" / "hidden" / "test_basics.py"
    hidden.write_text(hidden.read_text() + "\n\ndef test_add_negative(student):\n"
                      "    assert student.add(-2, -3) == -5, 'add(-2, -3) should be -5'\n")
    done = cli(root, "grade", "mini", str(subs), "--out", str(out))
    assert done.returncode == 0 and "regraded 4 unchanged submission(s) (grading material)" in done.stderr
    changes = {r["student"]: r for r in csv.DictReader((out / "changes.csv").open())}
    assert set(changes) == {"ada", "bert", "cleo", "dan"}  # a test that is new to everyone is listed for everyone
    assert "basics: test_add_negative new test, failed" in changes["cleo"]["flipped_tests"]
    assert "basics: test_add_negative new test, passed" in changes["ada"]["flipped_tests"]
    rows = gradebook(out)
    assert rows["ada"]["explain"] == "4" and rows["ada"]["status"] == "graded"  # the adjustment survived
    again = cli(root, "grade", "mini", str(subs), "--out", str(out))
    assert "grading 0 submission(s)" in again.stderr  # current again: nothing regraded
    roster = root / "roster.csv"
    roster.write_text("id,name,canvas_id\nada,Ada,11\nbert,Bert,12\ncleo,Cleo,13\ndan,Dan,14\n")
    to = root / "canvas.csv"
    assert cli(root, "export", "canvas", str(out), "--to", str(to), "--roster", str(roster)).returncode == 0
    exported = {row[1]: row[5] for row in list(csv.reader(to.open()))[1:]}
    assert exported["11"] == rows["ada"]["total"] and exported["13"] == gradebook(out)["cleo"]["total"]
    assert float(exported["13"]) < float(changes["cleo"]["new_total"])  # the Canvas total is after the penalty


def test_only_regrades_the_students_named_and_keeps_the_history(course):
    root, subs, out = course
    assert cli(root, "grade", "mini", str(subs), "--out", str(out)).returncode == 0
    done = cli(root, "grade", "mini", str(subs), "--out", str(out), "--only", "cleo")
    assert done.returncode == 0 and "grading 1 submission(s)" in done.stderr
    assert "regraded 1 unchanged submission(s) (asked): 0 changed" in done.stderr
    missing = cli(root, "grade", "mini", str(subs), "--out", str(out), "--only", "zed")
    assert missing.returncode == 2 and "--only: no submission of zed" in missing.stderr
    from autograder.gradebook import Gradebook
    book = Gradebook(out)
    try:
        assert len(book.history("mini", "cleo")) == 2 and len(book.history("mini", "ada")) == 1
    finally:
        book.close()


@pytest.mark.parametrize("entry, says", [
    ({"due": "someday"}, "assignments.mini.due: must be a time"),
    ({"due": "2026-10-01 23:59", "late_percent_per_day": 150}, "late_percent_per_day: must be a number from 0 to 100"),
    ({"due": "2026-10-01 23:59", "grace": 5}, "assignments.mini.grace: is not a known key"),
    ({"due": "2026-10-01 23:59", "extensions": {"ada": "soon"}}, "extensions.ada: must be a time"),
])
def test_a_wrong_course_yaml_stops_grade_naming_file_and_key(course, entry, says):
    root, subs, out = course
    (root / "course.yaml").write_text(yaml.safe_dump({"assignments": {"mini": entry}}))
    done = cli(root, "grade", "mini", str(subs), "--out", str(out))
    assert done.returncode == 2 and "course.yaml" in done.stderr and says in done.stderr
    assert "Traceback" not in done.stderr
