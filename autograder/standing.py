"""A grading as the course sees it today: the stored record with the course's rules applied.

The gradebook stores what grading found (:class:`autograder.record.Result`);
what a student's grade is also depends on things that change without
grading again: the deadline and extensions in ``course.yaml``, a TA's manual
scores and adjustments. :func:`finalize` applies them in
one place, for every output alike (feedback, results.json, gradebook.csv,
the summary, the Canvas export), so a new extension or an adjustment needs
``autograder report`` or ``adjust``, never a regrade, and survives every
regrade.

The status follows the contract's order: ``unreadable`` (nothing to grade)
before ``needs_review`` (a limit breached, a manual part not yet scored)
before ``late`` before ``graded``. A similarity flag, which names another
student, is applied to TAs' views only (:func:`class_list`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from autograder.record import Adjustment, Result


@dataclass(frozen=True)
class Context:
    """What the course adds to the gradings of one assignment."""

    deadline: object = None  # deadlines.Deadline, or None: no deadline
    adjustments: dict = field(default_factory=dict)  # student -> [Adjustment], oldest first

    @classmethod
    def of(cls, book, assignment) -> "Context":
        """The adjustments kept in ``book`` and the course's deadline for ``assignment``."""
        from autograder import deadlines
        from autograder.course import Course
        return cls(deadlines.load(Course.of(assignment).root).get(assignment.name), book.adjustments(assignment.name))


def rows(book, assignment, context: Context | None = None) -> list:
    """The gradebook's current rows of ``assignment``, each record finalized: what every output shows."""
    context = context or Context.of(book, assignment)
    return [dataclasses.replace(r, result=finalize(r.result, context) if r.result else None)
            for r in book.rows(assignment.name)]


def class_list(book, assignment, people: list | None = None, finalized: list | None = None) -> list:
    """The class list every view of a batch is made from (:func:`autograder.roster.class_list`): the finalized
    rows (``finalized``, when already made), the gradebook's roster (or ``people``) and its similarity flags,
    which only TAs' views show."""
    from autograder import roster
    return roster.class_list(finalized if finalized is not None else rows(book, assignment),
                             book.roster() if people is None else people, book.flags(assignment.name))


def finalize(result: Result, context: Context) -> Result:
    """``result`` with the course's adjustments, late penalty and status applied."""
    if result.status == "unreadable":
        return result
    mine = context.adjustments.get(result.student, [])
    parts = tuple(_adjusted(p, [a for a in mine if a.part == p.name]) for p in result.parts)
    notes = list(result.notes)
    status = result.status
    pending = [p.title for p in parts if p.manual and not any(a.part == p.name and a.kind == "score" for a in mine)]
    if pending:
        notes.append(f"needs review: not scored yet by a person: {', '.join(pending)}")
        status = "needs_review"
    adjusted = dataclasses.replace(result, parts=parts, adjustments=tuple(mine),
                                   adjustment_points=round(sum(p.score for p in parts) - result.raw_score, 4))
    late = context.deadline.assess(result.student, result.submitted_at, adjusted.raw_score) \
        if context.deadline is not None else None
    if late is not None:
        notes.append(f"late: handed in {late.days} day(s) after the due time ({late.due}): "
                     f"-{late.percent:g}% of the total ({late.points:.2f} points)")
    elif result.lms_late and context.deadline is None:
        notes.append(f"the {result.lms.capitalize() or 'LMS'} export marks this submission late; course.yaml "
                     "sets no deadline for this assignment, so no penalty was applied")
    if status == "graded" and (late is not None or result.lms_late and context.deadline is None):
        status = "late"
    return dataclasses.replace(adjusted, late=late, notes=tuple(notes), status=status)


def _adjusted(part, adjustments: list[Adjustment]):
    """A part's score after a TA's adjustments, in the order made: a score sets it, points add to it; never
    below 0 or above the part's points."""
    if not adjustments:
        return part
    score = part.score
    for a in adjustments:
        score = a.value if a.kind == "score" else score + a.value
        score = min(max(score, 0.0), part.max_score)
    return dataclasses.replace(part, score=round(score, 4))
