"""Submissions as TAs receive them: folders, nbgrader, Gradescope and Canvas exports."""

import csv
import io
import zipfile

import pytest

from autograder import api
from autograder.ingest import find_submissions
from helpers import FIXTURE_COURSE

GOOD = (FIXTURE_COURSE / "solutions" / "mini" / "mini.py").read_text()
WRONG = GOOD.replace("return a + b", "return a - b")

GRADESCOPE_META = """
submission_1001:
  :submitters:
  - :name: Ada Lovelace
    :sid: '4711'
    :email: ada@uni.edu
  :created_at: 2026-11-20 10:00:00
submission_1002:
  :submitters:
  - :name: Bert Baker
    :email: bert@uni.edu
"""


def make_zip(path, files: dict):
    with zipfile.ZipFile(path, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
    return path


def test_gradescope_export_zip(tmp_path):
    export = make_zip(tmp_path / "gs.zip", {
        "assignment_9_export/submission_metadata.yml": GRADESCOPE_META,
        "assignment_9_export/submission_1001/mini.py": GOOD,
        "assignment_9_export/submission_1001/scratch.py": "x = 1",
        "assignment_9_export/submission_1002/work/mini.ipynb": '{"cells": []}',
    })
    subs = {s.student: s for s in find_submissions([export], "mini", "mini")}
    assert set(subs) == {"4711", "bert@uni.edu"}
    assert subs["4711"].read() == GOOD.encode() and "graded mini.py" in subs["4711"].note
    assert (subs["4711"].display, subs["4711"].email, subs["4711"].lms, subs["4711"].lms_id) == \
        ("Ada Lovelace", "ada@uni.edu", "gradescope", "4711")
    assert subs["4711"].submitted_at.startswith("2026-11-20T10:00:00") and subs["4711"].time_source == "lms"
    assert subs["bert@uni.edu"].name == "mini.ipynb" and subs["bert@uni.edu"].time_source == "file"


GROUP_META = GRADESCOPE_META + """
submission_1003:
  :submitters:
  - :name: Cleo Chen
    :sid: '5001'
  - :name: Dan Diaz
    :sid: '5002'
"""


def test_a_group_submission_gives_every_member_the_grade(mini, tmp_path):
    export = make_zip(tmp_path / "gs.zip", {"e/submission_metadata.yml": GROUP_META,
                                            "e/submission_1001/mini.py": GOOD, "e/submission_1003/mini.py": WRONG})
    subs = {s.student: s for s in find_submissions([export], "mini", "mini")}
    assert subs["5001"].members == subs["5002"].members == ("5001", "5002") and not subs["4711"].members
    log = io.StringIO()
    results, faults = api.grade_batch("mini", [export], tmp_path / "out", 2, log=log)
    assert not faults and sorted((r.student, r.score, r.group) for r in results) == [
        ("4711", 10, ()), ("5001", 5.5, ("5001", "5002")), ("5002", 5.5, ("5001", "5002"))]
    assert "grading 2 submission(s)" in log.getvalue()  # the group's work is graded once
    assert (tmp_path / "out" / "5002" / "results.json").is_file()
    rows = list(csv.DictReader((tmp_path / "out" / "gradebook.csv").open()))
    assert [(r["student"], r["name"]) for r in rows] == [("4711", "Ada Lovelace"), ("5001", "Cleo Chen"),
                                                         ("5002", "Dan Diaz")]
    again = io.StringIO()
    api.grade_batch("mini", [export], tmp_path / "out", 2, log=again)  # unchanged: nothing graded twice
    assert "grading 0 submission(s)" in again.getvalue()


def test_names_that_collide_are_kept_apart_and_reported(mini, tmp_path):
    for name, code in (("Ada Lovelace", GOOD), ("Ada_Lovelace", WRONG)):
        (tmp_path / "subs" / name).mkdir(parents=True)
        (tmp_path / "subs" / name / "mini.py").write_text(code)
    log = io.StringIO()
    results, _ = api.grade_batch("mini", [tmp_path / "subs"], tmp_path / "out", 1, log=log)
    assert sorted((r.student, r.display, r.score) for r in results) == [
        ("Ada_Lovelace", "Ada Lovelace", 10), ("Ada_Lovelace-2", "Ada_Lovelace", 5.5)]
    assert log.getvalue().count("kept apart as Ada_Lovelace, Ada_Lovelace-2") == 2
    assert all(any("kept apart" in n for n in r.notes) for r in results)


def test_canvas_export_zip_and_folder(tmp_path):
    files = {"lovelaceada_111_901_mini.py": WRONG, "lovelaceada_LATE_111_955_mini.ipynb": '{"cells": []}',
             "bakerbert_222_902_homework.py": GOOD, "bakerbert_333_903_mini.py": WRONG}  # two Bert Bakers
    export = make_zip(tmp_path / "submissions.zip", files)
    folder = tmp_path / "unzipped"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text)
    for found in (find_submissions([export], "mini", "mini"), find_submissions([folder], "mini", "mini")):
        subs = {s.student: s for s in found}
        assert set(subs) == {"111", "222", "333"}  # Canvas user ids: the two Bert Bakers stay apart
        assert [subs[k].display for k in ("111", "222", "333")] == ["lovelaceada", "bakerbert", "bakerbert"]
        assert all(s.lms == "canvas" and s.lms_id == s.student for s in found)
        assert subs["111"].name == "mini.ipynb" and subs["111"].lms_late  # <assignment>.ipynb wins; Canvas: late
        assert not subs["222"].lms_late and subs["222"].read() == GOOD.encode()
        assert all(s.submitted_at and s.time_source == "file" for s in found)


def test_a_single_students_zip_is_one_submission(tmp_path):
    one = make_zip(tmp_path / "carol.zip", {"hw/mini.py": GOOD})
    subs = find_submissions([one], "mini", "mini")
    assert [(s.student, s.member) for s in subs] == [("carol", None)]


def test_an_export_graded_end_to_end(mini, tmp_path):
    export = make_zip(tmp_path / "gs.zip", {
        "e/submission_metadata.yml": GRADESCOPE_META,
        "e/submission_1001/mini.py": GOOD,
        "e/submission_1002/mini.py": WRONG,
    })
    results, faults = api.grade_batch("mini", [export], tmp_path / "out", 2, log=io.StringIO())
    assert not faults and {r.student: r.score for r in results} == {"4711": 10, "bert@uni.edu": 5.5}
    assert (tmp_path / "out" / "4711" / "feedback.md").read_text().count("`mini.py`") == 1


@pytest.mark.parametrize("files, graded", [
    # (name, age in seconds: larger is older) ... , the file that must be graded
    ([("mini.ipynb", 300), ("mini (1).ipynb", 100)], "mini (1).ipynb"),  # the renamed copy is the newer work
    ([("mini.ipynb", 100), ("mini (1).ipynb", 300)], "mini.ipynb"),
    ([("mini.ipynb", 300), ("mini.py", 10)], "mini.ipynb"),  # a notebook beats a module, however new
    ([("mini.ipynb", 300), ("scratch.ipynb", 10)], "mini.ipynb"),  # named after the assignment first
    ([("mini-2.py", 100), ("mini_v3.py", 50), ("notes.py", 10)], "mini_v3.py"),
    ([("notes.py", 100), ("other.py", 50)], "other.py"),  # nothing named after it: the newest
])
def test_among_files_of_one_kind_the_newest_copy_wins(tmp_path, files, graded):
    import os
    import time
    folder = tmp_path / "subs" / "ada"
    folder.mkdir(parents=True)
    now = time.time()
    for name, age in files:
        (folder / name).write_text(GOOD)
        os.utime(folder / name, (now - age, now - age))
    (sub,) = find_submissions([tmp_path / "subs"], "mini", "mini")
    assert sub.name == graded


def test_one_students_folder_is_that_student_not_one_named_after_the_assignment(mini, tmp_path):
    """Regrading one student by passing their folder: before, mini.ipynb and scratch.py became the students
    'mini' and 'scratch'."""
    folder = tmp_path / "subs" / "alice"
    folder.mkdir(parents=True)
    (folder / "mini.py").write_text(GOOD)
    (folder / "scratch.py").write_text("x = 1")
    (sub,) = find_submissions([folder], "mini", "mini")
    assert sub.student == "alice" and sub.name == "mini.py"
    flat = tmp_path / "flat"  # a flat folder of students' files is still one student per file
    flat.mkdir()
    (flat / "bert.py").write_text(GOOD)
    (flat / "cleo.py").write_text(WRONG)
    assert sorted(s.student for s in find_submissions([flat], "mini", "mini")) == ["bert", "cleo"]
