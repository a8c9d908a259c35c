"""What a change to the grader did: ``OUT/changes.csv``.

A grade is current only while the submission's bytes, the grader's version
and the assignment's grading material are unchanged (course-operations.md,
Regrades). When the same bytes are graded again after the material or the
grader changed (or by ``--regrade`` / ``--only``), the old grading stays in
the gradebook's history and this module compares it with the new one:
old and new total, and the tests that flipped between passing and not. A
TA reads it before publishing what a fix did.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

from autograder import safe
from autograder.record import Result

FILE_NAME = "changes.csv"


@dataclass(frozen=True)
class Change:
    student: str
    old_total: float | None  # None: the old grading was a grader fault
    new_total: float
    flipped: tuple[str, ...]  # 'part: test passed -> failed', in the assignment's order
    why: str  # what made it stale: grading material, grader version, asked for

    @property
    def changed(self) -> bool:
        return bool(self.flipped) or self.old_total is None or abs(self.old_total - self.new_total) > 1e-9


def compare(old: Result | None, new: Result, why: str) -> Change:
    """The change from one grading of a submission to the next."""
    before = {(t.part, t.id): t for t in old.outcomes} if old else {}
    flipped = []
    for t in new.outcomes:
        was = before.pop((t.part, t.id), None)
        if was is None:
            flipped.append(f"{t.part}: {t.id} new test, {_state(t)}")
        elif was.passed != t.passed:
            flipped.append(f"{t.part}: {t.id} {_state(was)} -> {_state(t)}")
    flipped += [f"{part}: {test} removed" for part, test in before]
    return Change(new.student, old.raw_score if old else None, new.raw_score, tuple(flipped), why)


def _state(test) -> str:
    return "passed" if test.passed else "failed"


def write(out: Path, changes: list[Change]) -> Path:
    """``OUT/changes.csv``: one row per regraded submission whose total or tests changed, replacing the last."""
    path = out / FILE_NAME
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["student", "old_total", "new_total", "why", "flipped_tests"])
        for c in sorted(changes, key=lambda c: c.student):
            if c.changed:
                writer.writerow([safe.csv_cell(c.student), "" if c.old_total is None else f"{c.old_total:g}",
                                 f"{c.new_total:g}", c.why, safe.csv_cell("; ".join(c.flipped))])
    os.replace(tmp, path)
    return path
