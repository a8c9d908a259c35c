"""The batch's database: one row per student, in ``OUT/gradebook.sqlite``.

It is what makes a run resumable. A row is committed (WAL journal, one
transaction) as soon as a submission is graded, before any file is written;
files are rebuilt from the rows, so a run killed at any point (Ctrl-C, a
killed process, power loss) loses at most the submissions in flight, and a
re-run grades only what has no row yet or whose content or grader version
changed. Each row keeps the submission's result record
(:class:`autograder.record.Result`), from which ``autograder report OUT``
rebuilds every output without grading again.

Two more tables serve ``autograder similarity``: ``sources`` keeps the code
extracted from each graded submission, committed with its record (the
record names the file and its sha256 but holds none of it, and the code the
sandbox loaded is what is worth comparing, not a notebook's outputs), and
``flags`` the students a similarity run marked for review, with why. Both
are keyed by the submission's sha256 and count only while it is the graded
one: a new submission has no stale code and no stale flag. They are created
in any gradebook of this schema, old ones too, which then simply have none.

This is the only module that writes the gradebook. Its schema version is the
record's: a gradebook of another version is refused when opened, with a
message saying what to do.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from autograder import __version__, roster
from autograder.config import ConfigError
from autograder.record import SCHEMA_VERSION, Adjustment, Result, check_version

FILE_NAME = "gradebook.sqlite"
LOCK_NAME = "gradebook.lock"


class FolderBusy(ConfigError):
    """Another autograder process holds this output folder."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS submissions (
    assignment TEXT NOT NULL,
    student TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    grader_version TEXT NOT NULL,
    status TEXT NOT NULL,            -- graded | fault
    score REAL,
    max_score REAL,
    graded_at REAL NOT NULL,
    record_json TEXT,                -- the Result, as Result.to_dict()
    fault TEXT,
    material TEXT NOT NULL DEFAULT '', -- Course.material: the grading material's hash
    PRIMARY KEY (assignment, student)
);
"""
# Added in schema 3; a schema-2 gradebook gets them when opened (nothing else in it changes).
_SCHEMA_3 = """
CREATE TABLE IF NOT EXISTS history (    -- every grading ever committed, oldest first; never updated
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    assignment TEXT NOT NULL, student TEXT NOT NULL, sha256 TEXT NOT NULL, grader_version TEXT NOT NULL,
    status TEXT NOT NULL, score REAL, max_score REAL, graded_at REAL NOT NULL, record_json TEXT, fault TEXT,
    material TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS adjustments (    -- a TA's manual scores and adjustments; they outlive regrades
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    assignment TEXT NOT NULL, student TEXT NOT NULL, part TEXT NOT NULL,
    kind TEXT NOT NULL,              -- score | points
    value REAL NOT NULL, comment TEXT NOT NULL, made_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS sources (   -- the code extracted from a graded submission, for similarity
    assignment TEXT NOT NULL,
    student TEXT NOT NULL,
    sha256 TEXT NOT NULL,            -- of the submission it was extracted from
    source TEXT NOT NULL,
    PRIMARY KEY (assignment, student)
);
CREATE TABLE IF NOT EXISTS flags (     -- students to review, from the last similarity run
    assignment TEXT NOT NULL,
    student TEXT NOT NULL,
    sha256 TEXT NOT NULL,            -- the submission that was flagged
    reason TEXT NOT NULL,
    PRIMARY KEY (assignment, student)
);
"""

# a table's rows count only while their sha256 is the student's graded submission's
_CURRENT = ("JOIN submissions s ON s.assignment = t.assignment AND s.student = t.student "
            "AND s.sha256 = t.sha256 AND s.status = 'graded' WHERE t.assignment=?")


@dataclass(frozen=True)
class Row:
    assignment: str
    student: str
    sha256: str
    grader_version: str
    result: Result | None  # None: a grader fault
    fault: str | None
    material: str = ""  # the grading material's hash it was graded with
    graded_at: float = 0.0


class Gradebook:
    """Thread-safe access to one output folder's database, held by one process at a time.

    Opening it takes an exclusive lock on ``OUT/gradebook.lock`` (``flock``):
    a second ``grade`` or ``report`` on the same folder is refused at once
    instead of interleaving its rows and files with the first. The kernel
    drops the lock when the holder exits, killed or not, so none is left stuck.
    """

    def __init__(self, out: Path):
        out.mkdir(parents=True, exist_ok=True)
        self.path = out / FILE_NAME
        self._lock = threading.Lock()
        self._held = _lock_folder(out)
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        except BaseException:
            os.close(self._held)
            raise
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")  # a committed row survives power loss
            self._db.executescript("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);")
            found = self._db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            if found is None:
                self._db.executescript(_SCHEMA)
                self._db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            else:
                check_version(int(found[0]) if found[0].isdigit() else found[0], str(self.path))
                columns = [r[1] for r in self._db.execute("PRAGMA table_info(submissions)")]
                if "material" not in columns:  # schema 2: its grades will read as stale, and be regraded
                    self._db.execute("ALTER TABLE submissions ADD COLUMN material TEXT NOT NULL DEFAULT ''")
            self._db.executescript(_SCHEMA_3)
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        except BaseException:
            self._db.close()
            os.close(self._held)
            raise

    def close(self) -> None:
        with self._lock:
            if self._held < 0:
                return
            self._db.close()
            os.close(self._held)  # releases the folder
            self._held = -1

    def current(self, assignment: str, student: str) -> "Row | None":
        """The student's current grading (the newest), or None."""
        return next(iter(self._rows("WHERE assignment=? AND student=?", (assignment, student))), None)

    def history(self, assignment: str, student: str) -> list[Row]:
        """Every grading of the student, oldest first; the last is the current one."""
        with self._lock:
            found = self._db.execute(
                "SELECT assignment, student, sha256, grader_version, record_json, fault, material, graded_at "
                "FROM history WHERE assignment=? AND student=? ORDER BY seq", (assignment, student)).fetchall()
        return [self._row(*r) for r in found]

    def save(self, result: Result, material: str = "", source: str | None = None) -> None:
        """A graded submission's record, committed, as the current grading and into the history, with the
        code extracted from it (None: none could be), for ``autograder similarity``."""
        self._put((result.assignment, result.student, result.sha256, result.grader_version, "graded",
                   result.score, result.max_score, time.time(), json.dumps(result.to_dict()), None, material),
                  source)

    def save_source(self, assignment: str, student: str, sha256: str, source: str) -> None:
        """The code of a submission graded before sources were kept (a later run found it unchanged)."""
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO sources VALUES (?,?,?,?)", (assignment, student, sha256, source))

    def has_source(self, assignment: str, student: str, sha256: str) -> bool:
        with self._lock:
            return self._db.execute("SELECT 1 FROM sources WHERE assignment=? AND student=? AND sha256=?",
                                    (assignment, student, sha256)).fetchone() is not None

    def sources(self, assignment: str) -> dict[str, str]:
        """Each graded student's code, by id: only code of the submission their grade is for."""
        with self._lock:
            found = self._db.execute(f"SELECT t.student, t.source FROM sources t {_CURRENT} ORDER BY 1",
                                     (assignment,)).fetchall()
        return dict(found)

    def save_flags(self, assignment: str, flags: dict[str, tuple[str, str]]) -> None:
        """``{student: (sha256, reason)}``, replacing every flag of ``assignment`` (one similarity run's)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("DELETE FROM flags WHERE assignment=?", (assignment,))
            self._db.executemany("INSERT INTO flags VALUES (?,?,?,?)",
                                 [(assignment, s, sha, why) for s, (sha, why) in flags.items()])
            self._db.execute("COMMIT")

    def flags(self, assignment: str) -> dict[str, str]:
        """``{student: reason}`` for the flags whose submission is still the graded one."""
        with self._lock:
            found = self._db.execute(f"SELECT t.student, t.reason FROM flags t {_CURRENT}", (assignment,)).fetchall()
        return dict(found)

    def save_fault(self, assignment: str, student: str, sha256: str, why: str, material: str = "") -> None:
        """A grader fault's row: no record, and graded again by the next run."""
        self._put((assignment, student, sha256, __version__, "fault", None, None, time.time(), None, why, material))

    def _put(self, values: tuple, source: str | None = None) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("INSERT OR REPLACE INTO submissions (assignment, student, sha256, grader_version, "
                             "status, score, max_score, graded_at, record_json, fault, material) "
                             "VALUES (?,?,?,?,?,?,?,?,?,?,?)", values)
            self._db.execute("INSERT INTO history (assignment, student, sha256, grader_version, status, score, "
                             "max_score, graded_at, record_json, fault, material) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                             values)
            if source is not None:
                self._db.execute("INSERT OR REPLACE INTO sources VALUES (?,?,?,?)", (*values[:3], source))
            self._db.execute("COMMIT")

    def adjust(self, assignment: str, student: str, part: str, kind: str, value: float, comment: str) -> None:
        """A TA's manual score (``kind`` 'score') or adjustment ('points') of one part, kept across regrades."""
        with self._lock:
            self._db.execute("INSERT INTO adjustments (assignment, student, part, kind, value, comment, made_at) "
                             "VALUES (?,?,?,?,?,?,?)", (assignment, student, part, kind, value, comment, time.time()))

    def undo_adjustment(self, assignment: str, student: str) -> Adjustment | None:
        """Remove the student's last adjustment; the one removed, or None when there was none."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            last = self._db.execute("SELECT seq, part, kind, value, comment, made_at FROM adjustments "
                                    "WHERE assignment=? AND student=? ORDER BY seq DESC LIMIT 1",
                                    (assignment, student)).fetchone()
            if last:
                self._db.execute("DELETE FROM adjustments WHERE seq=?", (last[0],))
            self._db.execute("COMMIT")
        return Adjustment(*last[1:]) if last else None

    def adjustments(self, assignment: str) -> dict[str, list[Adjustment]]:
        """Every student's adjustments, oldest first."""
        out: dict[str, list[Adjustment]] = {}
        with self._lock:
            found = self._db.execute("SELECT student, part, kind, value, comment, made_at FROM adjustments "
                                     "WHERE assignment=? ORDER BY seq", (assignment,)).fetchall()
        for student, *rest in found:
            out.setdefault(student, []).append(Adjustment(*rest))
        return out

    def rows(self, assignment: str | None = None) -> list[Row]:
        """The current grading of every student (of ``assignment``), by id."""
        return self._rows("WHERE assignment=?", (assignment,)) if assignment else self._rows("", ())

    def _rows(self, where: str, args: tuple) -> list[Row]:
        with self._lock:
            found = self._db.execute("SELECT assignment, student, sha256, grader_version, record_json, fault, "
                                     f"material, graded_at FROM submissions {where} ORDER BY student",
                                     args).fetchall()
        return [self._row(*r) for r in found]

    def _row(self, a, s, sha, v, rec, fault, material, graded_at) -> Row:
        result = Result.from_dict(json.loads(rec), f"{self.path} ({s})") if rec else None
        return Row(a, s, sha, v, result, fault, material, graded_at)

    def save_roster(self, people: list) -> None:
        """The course roster (:mod:`autograder.roster`) the outputs are made with, replacing any before."""
        text = json.dumps([p.to_dict() for p in people])
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('roster', ?)", (text,))

    def roster(self) -> list:
        with self._lock:
            found = self._db.execute("SELECT value FROM meta WHERE key='roster'").fetchone()
        return roster.from_dicts(json.loads(found[0])) if found else []

    def assignments(self) -> list[str]:
        with self._lock:
            return [r[0] for r in self._db.execute("SELECT DISTINCT assignment FROM submissions ORDER BY 1")]


@contextmanager
def graded(out: Path, assignment_of):
    """``out``'s existing gradebook, opened, with the assignment it holds (``assignment_of(name)`` loads it),
    for the commands that work on a graded folder (report, adjust, export); closed afterwards."""
    if not (out / FILE_NAME).is_file():
        raise FileNotFoundError(f"{out / FILE_NAME}: no gradebook here (grade into {out} first)")
    book = Gradebook(out)
    try:
        names = book.assignments()
        if not names:
            raise ConfigError(f"{out / FILE_NAME} holds no graded submission")
        yield book, assignment_of(names[0])
    finally:
        book.close()


def _lock_folder(out: Path) -> int:
    """An fd holding ``out``'s lock; FolderBusy when another process holds it."""
    fd = os.open(out / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode(errors="replace").strip()
        os.close(fd)
        raise FolderBusy(f"{out} is being written by another autograder (pid {holder or '?'}): wait for it to "
                         "finish, or use another --out folder") from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, str(os.getpid()).encode(), 0)
    return fd
