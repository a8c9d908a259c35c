"""``autograder similarity``: near-copies are flagged, honest work and shared starter code are not, flags change
statuses and never scores, and nothing a student wrote runs in the report.

The batch is four notebooks made from the fixture course's release notebook
(``release/mini/mini.ipynb``, whose two long provided helpers every student
keeps): ada and cleo and dan wrote their own code, and a fourth student, whose
folder name is an HTML attack, handed in ada's with every name changed, the
comments reworded and the blank lines moved.
"""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
import subprocess
import sys

import pytest

pytest.importorskip("copydetect")

from autograder import extras, similarity  # noqa: E402
from helpers import FIXTURE_COURSE  # noqa: E402
from trusted import checks  # noqa: E402

RELEASE = FIXTURE_COURSE / "release" / "mini" / "mini.ipynb"
STUB = "    # YOUR CODE HERE\n    raise NotImplementedError()"
HOSTILE = '<script>alert(1)<script>"><img src=x onerror=alert(2)>'  # a folder name: no slash

ADA = {"add": '''    # add the two numbers, keeping numpy scalars as they are
    total = a + b
    if isinstance(total, np.ndarray) and total.ndim == 0:
        total = total.item()
    return total''',
       "slow": '''    # the quick way: no loop at all
    answer = float(math.cos(0.0))
    assert answer == 1.0, "cos(0) should be one"
    return answer''',
       "double": '''    # work on a float copy so that x is never changed
    values = np.array(x, dtype=np.float64, copy=True)
    scaled = np.multiply(values, 2.0, out=values)
    if scaled.shape != np.shape(x):
        raise ValueError(f"double changed the shape {np.shape(x)} into {scaled.shape}")
    return scaled'''}
COPY = {"add": '''    # sum of both inputs (numpy 0-d arrays become plain numbers)
    s = a + b

    if isinstance(s, np.ndarray) and s.ndim == 0:
        s = s.item()
    return s''',
        "slow": '''    # no loop needed here </pre><script>alert(3)</script>
    res = float(math.cos(0.0))
    assert res == 1.0, "</pre><img src=x onerror=alert(4)>"

    return res''',
        "double": '''    # copy first, x stays untouched
    arr = np.array(x, dtype=np.float64, copy=True)
    out = np.multiply(arr, 2.0, out=arr)
    if out.shape != np.shape(x):
        raise ValueError(f"double changed the shape {np.shape(x)} into {out.shape}")
    return out'''}
CLEO = {"add": "    return sum([a, b])",
        "slow": "    return 1.0",
        "double": '''    result = []
    for row in np.atleast_1d(x).reshape(len(np.atleast_1d(x)), -1):
        result.append([2 * v for v in row])
    return np.array(result).reshape(np.shape(x))'''}
DAN = {"add": "    return np.add(a, b).item() if np.ndim(a) == 0 and np.ndim(b) == 0 else np.add(a, b)",
       "slow": "    x = 0.5\n    return x + x",
       "double": "    return np.asarray(x) + np.asarray(x)"}


def notebook(bodies: dict[str, str]) -> str:
    """The release notebook with each stub replaced by the student's body, as a student hands it in."""
    nb = json.loads(RELEASE.read_text())
    for cell in nb["cells"]:
        text = "".join(cell["source"])
        for name, body in bodies.items():
            if text.startswith(f"def {name}(") and STUB in text:
                cell["source"] = text.replace(STUB, body).splitlines(True)
    return json.dumps(nb)


def cli(*args, cwd=FIXTURE_COURSE):
    return subprocess.run([sys.executable, "-m", "autograder", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def rows(out) -> dict[str, dict]:
    return {r["student"]: r for r in csv.DictReader((out / "gradebook.csv").open())}


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """The four notebooks graded, then compared: (out, gradebook.csv's rows and the stored records as grade
    left them, similarity's stdout)."""
    root = tmp_path_factory.mktemp("similarity")
    for student, bodies in (("ada", ADA), (HOSTILE, COPY), ("cleo", CLEO), ("dan", DAN)):
        (root / "subs" / student).mkdir(parents=True)
        (root / "subs" / student / "mini.ipynb").write_text(notebook(bodies))
    out = root / "out"
    done = cli("grade", "mini", str(root / "subs"), "--out", str(out), "--jobs", "2")
    assert done.returncode == 0, done.stderr
    before = rows(out), records(out)
    done = cli("similarity", str(out))
    assert done.returncode == 0, done.stderr
    return out, before, done.stdout


def copier(out) -> str:
    """The hostile student's id (their folder name made safe)."""
    return next(s for s in rows(out) if s not in ("ada", "cleo", "dan"))


def test_the_copy_is_flagged_and_the_honest_pairs_are_not(batch):
    out, _, said = batch
    fake = copier(out)
    assert "1 pair(s) at or above 60%" in said and f"{fake} & ada: 100% / 100%" in said  # ids in order
    assert "starter code excluded (" in said and f"report: {out / 'similarity.html'}" in said
    found = similarity.compare(sources(out), similarity.starter_code(_mini())[1])
    scores = {frozenset((p.a, p.b)): p.score for p in found}
    assert scores[frozenset(("ada", fake))] >= 0.9
    honest = [score for pair, score in scores.items() if pair != frozenset(("ada", fake))]
    assert max(honest, default=0) < similarity.THRESHOLD


def test_starter_code_everyone_kept_is_not_evidence(batch):
    out, _, _ = batch
    code = sources(out)
    without = similarity.compare(code, "")  # the long provided helpers count as everyone's own code
    assert min(p.score for p in without if p.a == "cleo" and p.b == "dan") >= similarity.THRESHOLD
    with_starter = similarity.compare(code, similarity.starter_code(_mini())[1])
    assert all(p.score < similarity.THRESHOLD for p in with_starter if {p.a, p.b} == {"cleo", "dan"})


def test_flags_set_needs_review_in_every_view_and_change_no_score(batch):
    out, (before, stored), _ = batch
    fake = copier(out)
    assert records(out) == stored  # the gradebook's records, scores and all, are as grade left them
    after = rows(out)
    assert {s: r["status"] for s, r in after.items()} == {"ada": "needs_review", fake: "needs_review",
                                                          "cleo": "graded", "dan": "graded"}
    assert all(r["status"] == "graded" for r in before.values())
    for student in after:  # scores, per part and in total, as graded
        assert {k: v for k, v in after[student].items() if k not in ("status", "notes")} == \
            {k: v for k, v in before[student].items() if k not in ("status", "notes")}
    assert f"of this code is also in {fake}'s (similarity.html)" in after["ada"]["notes"]
    assert "of this code is also in ada's" in after[fake]["notes"]
    data = json.loads((out / "ada" / "results.json").read_text())
    assert data["extra_data"]["status"] == "needs_review" and fake in data["extra_data"]["review"][0]
    assert float(before["ada"]["total"]) == data["score"]
    assert "similarity" not in data["output"]  # what Gradescope shows the student stays the record's
    for name in ("feedback.md", "feedback.html"):  # the student's feedback does not name another student
        assert fake not in (out / "ada" / name).read_text()
    summary = (out / "summary.html").read_text()
    assert summary.index(">ada<") < summary.index(">cleo<")  # to review first
    assert "2 needs review" in summary and f"of this code is also in {fake}" in summary


def test_report_rebuilds_with_the_flags_and_bad_options_are_refused(batch, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(batch[0], out)
    (out / "gradebook.csv").unlink()
    assert cli("report", str(out)).returncode == 0
    assert rows(out)["ada"]["status"] == "needs_review" and rows(out)["cleo"]["status"] == "graded"
    for option, value in (("--threshold", "1.5"), ("--threshold", "0"), ("--top", "0")):
        done = cli("similarity", str(out), option, value)
        assert done.returncode == 2 and f"{option} {value}" in done.stderr and "Traceback" not in done.stderr
    assert rows(out)["ada"]["status"] == "needs_review"  # a refused run changes nothing


def test_nothing_a_student_wrote_runs_in_the_report(batch):
    out, _, _ = batch
    page = (out / "similarity.html").read_text()
    assert "<script" not in page and "<img" not in page  # as text only: `onerror=alert` stays, inert
    assert "&lt;script&gt;alert(1)&lt;script&gt;&#34;&gt;&lt;img src=x onerror=alert(2)&gt;" in page  # the name
    assert "&lt;/pre&gt;&lt;script&gt;alert(3)&lt;/script&gt;" in page  # the code
    assert checks.active_html(page) == [] and checks.csp_missing(page) == []  # no tag, handler or URL at all
    assert page.count("<mark>") >= 2  # the matching regions, highlighted on both sides


def test_code_graded_before_sources_were_kept_is_stored_by_running_grade_again(batch, tmp_path):
    """Also: each run replaces the last one's flags."""
    out = tmp_path / "out"
    shutil.copytree(batch[0], out)
    with sqlite3.connect(out / "gradebook.sqlite") as db:
        db.execute("DELETE FROM sources WHERE student IN ('ada', 'cleo')")
    db.close()
    done = cli("similarity", str(out))
    assert "not compared, no code stored (2, graded before code was kept): ada, cleo" in done.stdout
    assert "no pair at or above 60%" in done.stdout and rows(out)["ada"]["status"] == "graded"
    done = cli("grade", "mini", str(batch[0].parent / "subs"), "--out", str(out))
    assert done.returncode == 0 and "grading 0 submission(s)" in done.stderr  # nothing graded again
    assert "1 pair(s) at or above 60%" in cli("similarity", str(out)).stdout


def test_a_missing_library_is_one_line_naming_the_extra(batch, monkeypatch, capsys):
    from autograder import cli as cli_module
    real = extras.installed
    monkeypatch.setattr(extras, "installed", lambda m: m != "copydetect" and real(m))
    monkeypatch.chdir(FIXTURE_COURSE)
    assert cli_module.main(["similarity", str(batch[0])]) == 2
    err = capsys.readouterr().err
    assert err == "autograder: similarity needs copydetect, which is not installed: " \
                  "pip install 'nngrader[similarity]'\n"


def test_members_of_one_group_are_not_compared_and_folded_code_keeps_its_context():
    same = "def f(values):\n    total = 0\n    for v in values:\n        total += v * v\n    return total\n" * 3
    assert similarity.compare({"a": same, "b": same}, apart=lambda a, b: True) == []
    assert similarity.compare({"a": same, "b": same})[0].score == 1.0
    text = "".join(f"line {i}\n" for i in range(20))
    start = text.index("line 10")
    pieces = similarity.segments(text, [(start, start + len("line 10"))], context=2)
    assert pieces == [("gap", "8 lines without a match"), ("text", "line 8\nline 9\n"), ("match", "line 10"),
                      ("text", "\nline 11\nline 12\n"), ("gap", "7 lines without a match")]


def records(out) -> dict[str, str]:
    with sqlite3.connect(out / "gradebook.sqlite") as db:
        found = dict(db.execute("SELECT student, record_json FROM submissions"))
    db.close()
    return found


def sources(out) -> dict[str, str]:
    with sqlite3.connect(out / "gradebook.sqlite") as db:
        found = dict(db.execute("SELECT student, source FROM sources"))
    db.close()
    return found


def _mini():
    from autograder.course import Course
    return Course(FIXTURE_COURSE).assignment("mini")
