"""The batch's database: one row per student, in ``OUT/gradebook.sqlite``.

It is what makes a run resumable. A row is committed (WAL journal, one
transaction) as soon as a submission is graded, before any file is written;
files are rebuilt from the rows, so a run killed at any point (Ctrl-C, a
killed process, power loss) loses at most the submissions in flight, and a
re-run grades only what has no row yet or whose content or grader version
changed. Each row stores the results.json and feedback it produced, so
``autograder report OUT`` can rebuild every output without grading again.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

SCHEMA_VERSION = 1
FILE_NAME = "gradebook.sqlite"

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
    execution_time REAL,
    graded_at REAL NOT NULL,
    results_json TEXT,
    feedback_md TEXT,
    fault TEXT,
    PRIMARY KEY (assignment, student)
);
"""


@dataclass(frozen=True)
class Row:
    assignment: str
    student: str
    sha256: str
    grader_version: str
    status: str
    score: float | None
    max_score: float | None
    execution_time: float | None
    results: dict | None
    feedback_md: str | None
    fault: str | None


class Gradebook:
    """Thread-safe access to one output folder's database."""

    def __init__(self, out: Path):
        out.mkdir(parents=True, exist_ok=True)
        self.path = out / FILE_NAME
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")  # a committed row survives power loss
        self._db.executescript(_SCHEMA)
        self._db.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def is_current(self, assignment: str, student: str, sha256: str, grader_version: str) -> bool:
        """Graded already, from the same bytes, by the same grader version."""
        with self._lock:
            row = self._db.execute(
                "SELECT sha256, grader_version, status FROM submissions WHERE assignment=? AND student=?",
                (assignment, student)).fetchone()
        return row is not None and row == (sha256, grader_version, "graded")

    def record(self, assignment: str, student: str, sha256: str, grader_version: str, results: dict | None,
               feedback_md: str | None, fault: str | None = None) -> None:
        status = "fault" if fault else "graded"
        values = (assignment, student, sha256, grader_version, status,
                  results["score"] if results else None, results["max_score"] if results else None,
                  results["execution_time"] if results else None, time.time(),
                  json.dumps(results) if results else None, feedback_md, fault)
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("INSERT OR REPLACE INTO submissions VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", values)
            self._db.execute("COMMIT")

    def rows(self, assignment: str | None = None) -> list[Row]:
        query = "SELECT assignment, student, sha256, grader_version, status, score, max_score, execution_time, " \
                "results_json, feedback_md, fault FROM submissions"
        args: tuple = ()
        if assignment:
            query += " WHERE assignment=?"
            args = (assignment,)
        with self._lock:
            found = self._db.execute(query + " ORDER BY student", args).fetchall()
        return [Row(*r[:8], json.loads(r[8]) if r[8] else None, r[9], r[10]) for r in found]

    def assignments(self) -> list[str]:
        with self._lock:
            return [r[0] for r in self._db.execute("SELECT DISTINCT assignment FROM submissions ORDER BY 1")]
