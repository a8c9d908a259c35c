"""The gradebook makes a batch resumable: nothing lost, nothing graded twice."""

import csv
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder import api, config, report
from autograder.gradebook import Gradebook
from helpers import FIXTURE_COURSE

GOOD = (FIXTURE_COURSE / "solutions" / "mini" / "mini.py").read_text()


def make_batch(root: Path, n: int, slow_s: float = 0.0) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    body = GOOD if not slow_s else GOOD.replace("    return 1.0", f"    import time\n    time.sleep({slow_s})\n    return 1.0")
    for i in range(n):
        (root / f"s{i:02d}.py").write_text(body + f"\n# student {i}\n")
    return root


def graded_at(out: Path) -> dict:
    try:
        with sqlite3.connect(out / "gradebook.sqlite") as db:
            return dict(db.execute("SELECT student, graded_at FROM submissions"))
    except sqlite3.OperationalError:  # created, but its table not yet
        return {}


def test_a_second_run_skips_unchanged_and_regrades_changed(mini, tmp_path):
    subs, out = make_batch(tmp_path / "subs", 3), tmp_path / "out"
    first, _ = api.grade_batch("mini", [subs], out, 2, log=io.StringIO())
    stamps = graded_at(out)
    assert len(first) == 3 and len(stamps) == 3
    again, _ = api.grade_batch("mini", [subs], out, 2, log=io.StringIO())
    assert again == [] and graded_at(out) == stamps
    (subs / "s01.py").write_text(GOOD.replace("return a + b", "return a - b"))
    changed, _ = api.grade_batch("mini", [subs], out, 2, log=io.StringIO())
    assert [r.student for r in changed] == ["s01"]
    rows = {r["student"]: r["total"] for r in csv.DictReader((out / "gradebook.csv").open())}
    assert rows == {"s00": "10", "s01": "5.5", "s02": "10"}  # add() wrong: 3 of its 4 basics tests
    forced, _ = api.grade_batch("mini", [subs], out, 2, log=io.StringIO(), regrade=True)
    assert len(forced) == 3


def test_report_rebuilds_every_output_from_the_gradebook(mini, tmp_path):
    subs, out = make_batch(tmp_path / "subs", 2), tmp_path / "out"
    api.grade_batch("mini", [subs], out, 1, log=io.StringIO())
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file() and "sqlite" not in p.name}
    for p in out.rglob("*"):
        if p.is_file() and "sqlite" not in p.name:
            p.unlink()
    api.rebuild_reports(out)
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file() and "sqlite" not in p.name}
    assert after.keys() == before.keys() and after == before
    summary = (out / "summary.html").read_text()
    assert "Score histograms" in summary and "data:image/png;base64," in summary


def test_a_batch_writes_each_students_files_once_unless_the_final_view_differs(mini, tmp_path, monkeypatch):
    """The closing rebuild leaves the files a student's grading just wrote when they already show the final view;
    a student flagged by an earlier similarity run and graded again gets them rewritten with the flag."""
    subs, out = make_batch(tmp_path / "subs", 2), tmp_path / "out"
    written = []
    real = report.write_student
    monkeypatch.setattr(report, "write_student", lambda out, result, review=(): written.append(
        (result.student, review)) or real(out, result, review))
    api.grade_batch("mini", [subs], out, 1, log=io.StringIO())
    assert sorted(written) == [("s00", ()), ("s01", ())]
    with sqlite3.connect(out / "gradebook.sqlite") as db:
        sha = dict(db.execute("SELECT student, sha256 FROM submissions"))["s00"]
    book = Gradebook(out)
    book.save_flags("mini", {"s00": (sha, "of this code is also in s01's")})
    book.close()
    written.clear()
    api.grade_batch("mini", [subs], out, 1, log=io.StringIO(), regrade=True)
    assert sorted(written) == [("s00", ()), ("s00", ("of this code is also in s01's",)), ("s01", ())]
    data = json.loads((out / "s00" / "results.json").read_text())
    assert data["extra_data"]["status"] == "needs_review" and "s01" in data["extra_data"]["review"][0]
    assert json.loads((out / "s01" / "results.json").read_text())["extra_data"]["status"] == "graded"


def test_an_output_folder_holds_one_assignment(mini, tmp_path, monkeypatch):
    subs, out = make_batch(tmp_path / "subs", 1), tmp_path / "out"
    api.grade_batch("mini", [subs], out, 1, log=io.StringIO())
    import sqlite3 as db
    with db.connect(out / "gradebook.sqlite") as conn:
        conn.execute("UPDATE submissions SET assignment='other'")
    with pytest.raises(config.ConfigError, match="already holds grades of other"):
        api.grade_batch("mini", [subs], out, 1, log=io.StringIO())


def test_a_batch_killed_midway_resumes_without_losing_or_regrading(mini, tmp_path):
    subs, out = make_batch(tmp_path / "subs", 8, slow_s=0.7), tmp_path / "out"
    cmd = [sys.executable, "-m", "autograder", "grade", "mini", str(subs), "--out", str(out), "--jobs", "2"]
    proc = subprocess.Popen(cmd, cwd=FIXTURE_COURSE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # kill once some, not all, are committed
        if (out / "gradebook.sqlite").exists() and 2 <= len(graded_at(out)) < 8:
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    first = graded_at(out)
    assert 2 <= len(first) < 8
    done = subprocess.run(cmd, cwd=FIXTURE_COURSE, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"({len(first)} unchanged, skipped)" in done.stderr
    second = graded_at(out)
    assert len(second) == 8 and all(second[s] == t for s, t in first.items())  # nothing graded twice
    rows = list(csv.DictReader((out / "gradebook.csv").open()))
    assert len(rows) == 8 and all(r["total"] == "10" for r in rows)


# -- schema versions: another version's gradebook or record is refused, never misread --
def set_schema(out: Path, version) -> None:
    with sqlite3.connect(out / "gradebook.sqlite") as db:
        db.execute("UPDATE meta SET value=? WHERE key='schema_version'", (str(version),))


@pytest.mark.parametrize("offset, says", [(1, "newer autograder"), (-1, "older autograder")])
def test_a_gradebook_of_another_schema_is_refused_with_what_to_do(mini, tmp_path, offset, says):
    from autograder.record import READABLE_VERSIONS, SCHEMA_VERSION, SchemaError
    subs, out = make_batch(tmp_path / "subs", 1), tmp_path / "out"
    api.grade_batch("mini", [subs], out, 1, log=io.StringIO())
    set_schema(out, SCHEMA_VERSION + 1 if offset > 0 else min(READABLE_VERSIONS) - 1)
    with pytest.raises(SchemaError, match=says):
        api.grade_batch("mini", [subs], out, 1, log=io.StringIO())
    with pytest.raises(SchemaError, match=says):
        api.rebuild_reports(out)
    done = subprocess.run([sys.executable, "-m", "autograder", "report", str(out)], cwd=FIXTURE_COURSE,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and says in done.stderr and "Traceback" not in done.stderr
    assert ("upgrade autograder" if offset > 0 else "new --out folder") in done.stderr


def test_a_schema_2_gradebook_is_read_with_the_identity_fields_it_lacked(mini, tmp_path):
    import json
    subs, out = make_batch(tmp_path / "subs", 2), tmp_path / "out"
    api.grade_batch("mini", [subs], out, 1, log=io.StringIO())
    new_fields = ("email", "lms", "lms_id", "submitted_at", "time_source", "lms_late", "group")
    with sqlite3.connect(out / "gradebook.sqlite") as db:  # as schema 2 wrote it: no identity fields
        for student, text in db.execute("SELECT student, record_json FROM submissions").fetchall():
            old = {k: v for k, v in json.loads(text).items() if k not in new_fields} | {"schema_version": 2}
            db.execute("UPDATE submissions SET record_json=? WHERE student=?", (json.dumps(old), student))
    set_schema(out, 2)
    api.rebuild_reports(out)
    rows = list(csv.DictReader((out / "gradebook.csv").open()))
    assert [(r["total"], r["status"]) for r in rows] == [("10", "graded")] * 2
    again = io.StringIO()
    api.grade_batch("mini", [subs], out, 1, log=again)
    assert "grading 0 submission(s)" in again.getvalue()  # still current: nothing regraded


def test_a_record_of_a_newer_schema_is_refused_when_read(mini, tmp_path):
    import json

    from autograder.gradebook import Gradebook
    from autograder.record import SCHEMA_VERSION, SchemaError
    subs, out = make_batch(tmp_path / "subs", 1), tmp_path / "out"
    api.grade_batch("mini", [subs], out, 1, log=io.StringIO())
    with sqlite3.connect(out / "gradebook.sqlite") as db:
        stored = json.loads(db.execute("SELECT record_json FROM submissions").fetchone()[0])
        stored["schema_version"] = SCHEMA_VERSION + 1
        db.execute("UPDATE submissions SET record_json=?", (json.dumps(stored),))
    book = Gradebook(out)
    try:
        with pytest.raises(SchemaError, match=r"s00\).*newer autograder"):
            book.rows()
    finally:
        book.close()


def test_records_round_trip_through_the_gradebook(mini, tmp_path):
    from autograder.gradebook import Gradebook
    subs, out = make_batch(tmp_path / "subs", 2), tmp_path / "out"
    results, _ = api.grade_batch("mini", [subs], out, 1, log=io.StringIO())
    book = Gradebook(out)
    try:
        assert {row.student: row.result for row in book.rows()} == {r.student: r for r in results}
    finally:
        book.close()


def test_a_record_as_plain_data_is_what_asdict_gives(mini, tmp_path):
    """``record.plain`` replaces ``dataclasses.asdict`` on the save path: the same data, types included."""
    import dataclasses

    from autograder import record
    results, _ = api.grade_batch("mini", [make_batch(tmp_path / "subs", 1)], tmp_path / "out", 1, log=io.StringIO())
    late = record.Late("2026-12-01T00:00:00", "2026-12-02T00:00:00", 1, 10.0, 1.0)
    adjusted = dataclasses.replace(results[0], late=late, adjustments=(record.Adjustment("basics", "points", 1.0,
                                                                                         "regrade", 0.0),))
    for r in (results[0], adjusted):
        assert r.parts and r.parts[0].tests
        assert repr(record.plain(r)) == repr(dataclasses.asdict(r))  # repr: a tuple is not a list there
        assert record.Result.from_dict(r.to_dict()) == r


# -- one run per output folder --------------------------------------------------------
def test_a_second_run_on_a_busy_folder_is_refused_and_a_killed_holder_leaves_no_lock(mini, tmp_path):
    from autograder.gradebook import Gradebook
    subs, out = make_batch(tmp_path / "subs", 1), tmp_path / "out"
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from pathlib import Path; "
                               "from autograder.gradebook import Gradebook; Gradebook(Path(sys.argv[1])); "
                               "print('held', flush=True); time.sleep(60)", str(out)],
                              cwd=FIXTURE_COURSE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        done = subprocess.run([sys.executable, "-m", "autograder", "grade", "mini", str(subs), "--out", str(out)],
                              cwd=FIXTURE_COURSE, capture_output=True, text=True, timeout=60)
        assert done.returncode == 2 and f"being written by another autograder (pid {holder.pid})" in done.stderr
        assert not (out / "s00").exists()  # it graded nothing
    finally:
        holder.kill()  # SIGKILL: no chance to unlock
        holder.wait()
    Gradebook(out).close()  # the kernel released the dead holder's lock
    api.grade_batch("mini", [subs], out, 1, log=io.StringIO())
    assert (out / "s00" / "results.json").is_file()
