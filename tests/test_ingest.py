"""Submissions as TAs receive them: folders, nbgrader, Gradescope and Canvas exports."""

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
    assert subs["bert@uni.edu"].name == "mini.ipynb"


def test_canvas_export_zip_and_folder(tmp_path):
    files = {"lovelaceada_111_901_mini.py": WRONG, "lovelaceada_LATE_111_955_mini.ipynb": '{"cells": []}',
             "bakerbert_222_902_homework.py": GOOD}
    export = make_zip(tmp_path / "submissions.zip", files)
    subs = {s.student: s for s in find_submissions([export], "mini", "mini")}
    assert set(subs) == {"lovelaceada", "bakerbert"}
    assert subs["lovelaceada"].name == "mini.ipynb"  # <assignment>.ipynb wins over .py
    assert subs["bakerbert"].read() == GOOD.encode()
    folder = tmp_path / "unzipped"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text)
    subs = {s.student: s for s in find_submissions([folder], "mini", "mini")}
    assert set(subs) == {"lovelaceada", "bakerbert"} and subs["lovelaceada"].name == "mini.ipynb"


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
