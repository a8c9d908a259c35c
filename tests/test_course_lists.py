"""Who is who and where grades go: statuses, the roster, and the Canvas export.

The exports used here are shaped like the real ones: a Canvas submissions
download (``<name>[_LATE]_<user id>_<submission id>_<file>``) and a Canvas
gradebook export (``Student, ID, SIS User ID, SIS Login ID, Section``, its
"Points Possible" row and Canvas's test student) as the roster.
"""

import csv
import io
import json
import subprocess
import sys
import zipfile

import pytest

from autograder import api
from autograder.config import ConfigError
from autograder.roster import load
from helpers import FIXTURE_COURSE

GOOD = (FIXTURE_COURSE / "solutions" / "mini" / "mini.py").read_text()
WRONG = GOOD.replace("return a + b", "return a - b")
HANGS = GOOD.replace("    return 1.0\n", "    while True:\n        pass\n")

CANVAS_GRADEBOOK = """Student,ID,SIS User ID,SIS Login ID,Section,Mini assignment (777)
    Points Possible,,,,,10
"Lovelace, Ada",111,S-111,ada@uni.edu,Lab A,
"Baker, Bert",222,S-222,bert@uni.edu,Lab B,
"Baker, Bert",333,S-333,bert2@uni.edu,Lab A,
"Chen, Cleo",444,S-444,cleo@uni.edu,Lab B,
"Diaz, Dan",555,S-555,dan@uni.edu,Lab A,
"Student, Test",999,,,,
"""


def canvas_download(path, files: dict):
    with zipfile.ZipFile(path, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
    return path


@pytest.fixture
def graded_course(mini, tmp_path):
    """A Canvas download graded with the Canvas gradebook as roster: one of each status."""
    download = canvas_download(tmp_path / "submissions.zip", {
        "lovelaceada_111_9001_mini.py": GOOD,  # graded
        "bakerbert_LATE_222_9002_mini.py": WRONG,  # late, by Canvas's marker
        "bakerbert_333_9003_mini.py": HANGS,  # a function that never returns: needs review
        "chencleo_444_9004_mini.ipynb": "{ not json",  # unreadable
    })  # Dan (555) submitted nothing: missing
    roster = tmp_path / "roster.csv"
    roster.write_text(CANVAS_GRADEBOOK)
    log = io.StringIO()
    results, faults = api.grade_batch("mini", [download], tmp_path / "out", 2, log=log, roster_file=roster)
    assert not faults
    return tmp_path / "out", log.getvalue(), {r.student: r for r in results}


def test_every_status_of_the_contract_is_given_and_none_is_a_silent_zero(graded_course):
    out, log, results = graded_course
    assert {s: r.status for s, r in results.items()} == {
        "111": "graded", "222": "late", "333": "needs_review", "444": "unreadable"}
    assert any("marks this submission late" in n for n in results["222"].notes)
    assert any("needs review" in n and "time limit" in n for n in results["333"].notes)
    rows = {r["student"]: r for r in csv.DictReader((out / "gradebook.csv").open())}
    assert {s: r["status"] for s, r in rows.items()} == {
        "111": "graded", "222": "late", "333": "needs_review", "444": "unreadable", "555": "missing"}
    assert (rows["111"]["name"], rows["111"]["section"]) == ("Lovelace, Ada", "Lab A")  # from the roster
    assert rows["111"]["total"] == "10" and rows["222"]["total"] == "5.5"
    for student in ("444", "555"):  # no score cell a spreadsheet could average in as a zero
        assert rows[student]["total"] == "" and rows[student]["basics"] == ""
    assert "999" not in rows and "Points Possible" not in str(rows)  # Canvas's test student and points row
    assert "needs review (1): 333" in log and "missing (1): 555" in log
    for student, status in (("222", "late"), ("333", "needs_review"), ("444", "unreadable")):
        data = json.loads((out / student / "results.json").read_text())
        assert data["extra_data"]["status"] == status and data["extra_data"]["lms"] == "canvas"
    page = (out / "summary.html").read_text()
    order = [page.index(f">{s}<") for s in ("444", "333", "555", "222", "111")]
    assert order == sorted(order)  # unreadable, to review, missing, late, then the rest
    assert 'href="333/feedback.html"' in page and 'href="555/' not in page


def test_the_canvas_export_is_what_canvas_imports(graded_course, tmp_path):
    out, _, _ = graded_course
    to = tmp_path / "canvas.csv"
    done = subprocess.run([sys.executable, "-m", "autograder", "export", "canvas", str(out), "--to", str(to),
                           "--column", "Mini assignment (777)"], cwd=FIXTURE_COURSE, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader(to.open()))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Mini assignment (777)"]
    assert rows[1:] == [["Lovelace, Ada", "111", "S-111", "ada@uni.edu", "Lab A", "10"],
                        ["Baker, Bert", "222", "S-222", "bert@uni.edu", "Lab B", "5.5"],
                        ["Baker, Bert", "333", "S-333", "bert2@uni.edu", "Lab A", "8.5"]]  # 'slow' timed out
    for student, why in (("444", "unreadable"), ("555", "missing")):
        assert f"not exported: {student}: {why}" in done.stdout
    assert "needs review: 333" in done.stdout


def test_students_without_a_canvas_id_are_listed_not_guessed(mini, tmp_path):
    for name, code in (("ada", GOOD), ("bert", WRONG)):
        (tmp_path / "subs" / name).mkdir(parents=True)
        (tmp_path / "subs" / name / "mini.py").write_text(code)
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name,email,section,canvas_id,github\nada,Ada L,ada@uni.edu,1,111,adal\n"
                      "bert,Bert B,bert@uni.edu,2,,bertb\n")
    api.grade_batch("mini", [tmp_path / "subs"], tmp_path / "out", 1, log=io.StringIO(), roster_file=roster)
    done = api.export_canvas(tmp_path / "out", tmp_path / "c.csv")
    assert done.rows == 1 and [s for s, _ in done.left_out] == ["bert"] and "no Canvas id" in done.left_out[0][1]
    assert list(csv.reader((tmp_path / "c.csv").open()))[1] == ["Ada L", "111", "", "", "1", "10"]
    assert load(roster)[0].extra == {"github": "adal"}  # other columns are kept


def test_a_roster_matches_gradescope_submitters_by_email(mini, tmp_path):
    export = canvas_download(tmp_path / "gs.zip", {
        "e/submission_metadata.yml": "submission_1:\n  :submitters:\n  - :name: A L\n    :email: ADA@uni.edu\n",
        "e/submission_1/mini.py": GOOD})
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name,email\nada,Ada Lovelace,ada@uni.edu\nbert,Bert Baker,bert@uni.edu\n")
    api.grade_batch("mini", [export], tmp_path / "out", 1, log=io.StringIO(), roster_file=roster)
    rows = {r["student"]: r for r in csv.DictReader((tmp_path / "out" / "gradebook.csv").open())}
    assert (rows["ADA@uni.edu"]["name"], rows["ADA@uni.edu"]["status"]) == ("Ada Lovelace", "graded")
    assert rows["bert"]["status"] == "missing" and "ada" not in rows  # matched, not listed twice


@pytest.mark.parametrize("text, says", [
    ("", "the roster is empty"),
    ("name,email\nAda,ada@x\n", "no 'id' column (its columns: name, email)"),
    ("id,name\n1,Ada\n,Bert\n", "row 3: the id is empty"),
    ("id,name\n1,Ada\n2,Bert\n1,Cleo\n", "rows 2 and 4: the id '1' is there twice"),
])
def test_a_bad_roster_is_refused_naming_file_and_row(tmp_path, text, says):
    path = tmp_path / "roster.csv"
    path.write_text(text)
    with pytest.raises(ConfigError, match="roster.csv.*" + says.replace("(", r"\(").replace(")", r"\)")):
        load(path)


def test_a_bad_roster_stops_grade_before_anything_is_graded(tmp_path):
    (tmp_path / "r.csv").write_text("name\nAda\n")
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", "mini", str(FIXTURE_COURSE / "solutions"),
                           "--out", str(tmp_path / "out"), "--roster", str(tmp_path / "r.csv")],
                          cwd=FIXTURE_COURSE, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "r.csv: the roster has no 'id' column" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "out").exists()


def test_names_from_an_lms_cannot_run_in_a_spreadsheet(mini, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text('Student,ID,SIS User ID,SIS Login ID,Section\n"=HYPERLINK(""http://x"")",111,,,@SUM(1)\n')
    download = canvas_download(tmp_path / "s.zip", {"x_111_1_mini.py": GOOD})
    api.grade_batch("mini", [download], tmp_path / "out", 1, log=io.StringIO(), roster_file=roster)
    api.export_canvas(tmp_path / "out", tmp_path / "c.csv")
    for path in (tmp_path / "c.csv", tmp_path / "out" / "gradebook.csv"):
        cells = [c for row in csv.reader(path.open()) for c in row]
        assert "'=HYPERLINK(\"http://x\")" in cells and "'@SUM(1)" in cells
        assert not any(c.startswith(("=", "@", "+")) for c in cells)
