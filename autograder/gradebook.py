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
from dataclasses import dataclass
from pathlib import Path

from autograder import __version__, roster
from autograder.config import ConfigError
from autograder.record import SCHEMA_VERSION, Result, check_version

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
    PRIMARY KEY (assignment, student)
);
"""
_SIMILARITY = """
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
            self._db.executescript(_SIMILARITY)  # also into a gradebook written before these tables
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

    def is_current(self, assignment: str, student: str, sha256: str, grader_version: str = __version__) -> bool:
        """Graded already, from the same bytes, by the same grader version."""
        with self._lock:
            row = self._db.execute(
                "SELECT sha256, grader_version, status FROM submissions WHERE assignment=? AND student=?",
                (assignment, student)).fetchone()
        return row is not None and row == (sha256, grader_version, "graded")

    def save(self, result: Result, source: str | None = None) -> None:
        """A graded submission's record, and the code extracted from it (None: none could be), committed
        together."""
        self._put((result.assignment, result.student, result.sha256, result.grader_version, "graded",
                   result.score, result.max_score, time.time(), json.dumps(result.to_dict()), None), source)

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

    def class_list(self, assignment: str, people: list | None = None) -> list:
        """:func:`autograder.roster.class_list` of ``assignment`` with this gradebook's roster (or ``people``)
        and flags: what every view of the batch is made from."""
        return roster.class_list(self.rows(assignment), self.roster() if people is None else people,
                                 self.flags(assignment))

    def save_fault(self, assignment: str, student: str, sha256: str, why: str) -> None:
        """A grader fault's row: no record, and graded again by the next run."""
        self._put((assignment, student, sha256, __version__, "fault", None, None, time.time(), None, why))

    def _put(self, values: tuple, source: str | None = None) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("INSERT OR REPLACE INTO submissions VALUES (?,?,?,?,?,?,?,?,?,?)", values)
            if source is not None:
                self._db.execute("INSERT OR REPLACE INTO sources VALUES (?,?,?,?)", (*values[:3], source))
            self._db.execute("COMMIT")

    def rows(self, assignment: str | None = None) -> list[Row]:
        query = "SELECT assignment, student, sha256, grader_version, record_json, fault FROM submissions"
        args: tuple = ()
        if assignment:
            query += " WHERE assignment=?"
            args = (assignment,)
        with self._lock:
            found = self._db.execute(query + " ORDER BY student", args).fetchall()
        return [Row(a, s, sha, v, Result.from_dict(json.loads(rec), f"{self.path} ({s})") if rec else None, fault)
                for a, s, sha, v, rec, fault in found]

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
