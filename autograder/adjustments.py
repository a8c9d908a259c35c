"""``autograder adjust``: a TA's manual scores and adjustments.

``adjust OUT STUDENT --part PART --score S --comment TEXT`` scores a part
(a manual part, or a correction of an automatic one); ``--points DELTA``
adds to or takes from it; ``--undo`` removes the student's last one. Each
is stored in the gradebook with its time and comment, apart from the
gradings, so it survives every regrade; it is applied by
:mod:`autograder.standing` and shown in the student's feedback. After each
change the outputs are rebuilt: ``gradebook.csv`` is never the place to
edit a grade.
"""

from __future__ import annotations

from pathlib import Path

from autograder import report
from autograder.config import ConfigError
from autograder.gradebook import graded


def apply(out: Path, assignment_of, student: str, part: str | None, score: float | None, points: float | None,
          comment: str, undo: bool) -> str:
    """Record the adjustment (or undo the last), rebuild the outputs, and say what was done."""
    with graded(out, assignment_of) as (book, assignment):
        if book.current(assignment.name, student) is None:
            known = ", ".join(r.student for r in book.rows(assignment.name)[:8])
            raise ConfigError(f"{student!r} has no grade in {out} (students there include: {known})")
        if undo:
            gone = book.undo_adjustment(assignment.name, student)
            said = (f"removed {student}'s last adjustment ({gone.part}: {gone.kind} {gone.value:g}, "
                    f"{gone.comment!r})") if gone else f"{student} has no adjustment to undo"
        else:
            said = _record(book, assignment, student, part, score, points, comment)
        report.rebuild(out, book, assignment)
    return said


def _record(book, assignment, student, part, score, points, comment) -> str:
    if part is None or (score is None and points is None):
        raise ConfigError("adjust: give --part PART and --score S or --points DELTA (or --undo)")
    names = [p.name for p in assignment.parts]
    if part not in names:
        raise ConfigError(f"adjust: {assignment.name} has no part {part!r} (its parts: {', '.join(names)})")
    if not comment.strip():
        raise ConfigError("adjust: --comment is required: it tells the student why")
    most = assignment.part(part).points
    if score is not None and not 0 <= score <= most:
        raise ConfigError(f"adjust: --score must be between 0 and {most:g}, the points of {part}")
    kind, value = ("score", score) if score is not None else ("points", points)
    book.adjust(assignment.name, student, part, kind, float(value), comment.strip())
    return f"{student}, {part}: {'score set to' if kind == 'score' else 'adjusted by'} {value:g} ({comment.strip()!r})"
