"""The result record: one graded submission, typed and versioned.

Everything the grader says about a submission is built from this record:
results.json (Gradescope's format), the feedback pages, the CSV row, the
summary, and what the gradebook keeps. A record is assembled in exactly one
place, :func:`assemble`, from the runs that graded the submission's parts
(one run locally, one per task on a cluster), so a local batch and a Dask
batch score by the same rules.

``SCHEMA_VERSION`` is written into every stored record and checked when one
is read: a record of another version is refused with a message saying what
to do, never read as if it were this one.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass

from autograder import __version__, devices, score
from autograder.config import Assignment
from autograder.suite import TestOutcome

SCHEMA_VERSION = 3
READABLE_VERSIONS = (2, 3)  # schema 2 lacked the identity fields, which have defaults: read as is
STATUSES = ("graded", "late", "needs_review", "unreadable")  # a record's; 'fault' and 'missing' have no record


_field_names: dict[type, tuple[str, ...]] = {}  # a dataclass -> its fields' names
_LEAVES = frozenset((str, float, int, bool, type(None)))


def plain(value):
    """A record as plain data, as ``dataclasses.asdict`` gives it (tuples stay tuples) but without its deep copy
    of every leaf: a record's leaves are strings, numbers, booleans and None, which need none. asdict took
    4 ms of each saved record of a backprop grading."""
    kind = type(value)
    if kind in _LEAVES:
        return value
    names = _field_names.get(kind)
    if names is None and dataclasses.is_dataclass(kind):
        names = _field_names[kind] = tuple(f.name for f in dataclasses.fields(kind))
    if names is not None:
        return {name: plain(getattr(value, name)) for name in names}
    if kind is tuple or kind is list:
        return kind(plain(v) for v in value)
    if kind is dict:
        return {k: plain(v) for k, v in value.items()}
    return value


class SchemaError(ValueError):
    """A stored record or gradebook of another schema version; the message says what to do."""


def check_version(found, where: str) -> None:
    """Refuse anything not written with this module's ``SCHEMA_VERSION``."""
    if found in READABLE_VERSIONS:
        return
    if isinstance(found, int) and found > SCHEMA_VERSION:
        raise SchemaError(f"{where} was written by a newer autograder (result schema {found}; this autograder "
                          f"{__version__} reads schema {SCHEMA_VERSION}): upgrade autograder to read it")
    raise SchemaError(f"{where} was written by an older autograder (result schema {found}; this autograder "
                      f"{__version__} reads schema {SCHEMA_VERSION}): grade into a new --out folder, or delete "
                      f"it to grade every submission again")


@dataclass(frozen=True)
class Who:
    """Who handed a submission in, as the intake found it (:mod:`autograder.ingest`).

    ``student`` is the id outputs are filed under (the LMS's id where the
    export carries one); ``display`` the name for people. ``group`` lists the
    ids of every member when a group handed it in: each gets its own record.
    ``submitted_at`` is an ISO time, from the LMS (``time_source`` 'lms') or
    the file's modification time ('file'); ``lms_late`` is the LMS's own
    late marker (Canvas's ``_LATE`` in a download's file names).
    """

    student: str
    display: str = ""
    email: str = ""
    lms: str = ""  # canvas | gradescope | '' (a folder or file)
    lms_id: str = ""  # the LMS's id for this person: Canvas user id, Gradescope sid
    submitted_at: str = ""
    time_source: str = ""  # lms | file | ''
    lms_late: bool = False
    group: tuple[str, ...] = ()


@dataclass(frozen=True)
class Run:
    """What grading some parts of one submission produced, before scoring.

    Plain values only: on a cluster a run travels back from the worker as
    :meth:`to_dict`. ``device`` is what the run's GPU parts got ('cpu' or
    'cuda'); ``worker`` names the Dask worker, empty for the local pool.
    """

    filename: str
    sha256: str
    parts: tuple[str, ...]
    device: str
    outcomes: tuple[TestOutcome, ...]
    notes: tuple[str, ...]
    printed: str
    sandbox: tuple[str, ...]
    execution_time_s: float
    worker: str = ""
    unreadable: str = ""  # why no code could be read from the submission; '' when it could
    source: str = ""  # the code as the sandbox loaded it ('' when none could be read): the gradebook keeps it

    def to_dict(self) -> dict:
        return {**plain(self), "grader_version": __version__}

    @classmethod
    def from_dict(cls, data: dict) -> "Run":
        values = {k: v for k, v in data.items() if k != "grader_version"}
        values["outcomes"] = tuple(TestOutcome(**o) for o in data["outcomes"])
        for key in ("parts", "notes", "sandbox"):
            values[key] = tuple(data[key])
        return cls(**values)


@dataclass(frozen=True)
class TestResult:
    """One test as graded: its outcome and the points it earned."""

    __test__ = False  # not a pytest test class
    id: str
    part: str
    visibility: str  # public | hidden
    status: str  # passed | partial | failed | timeout | error
    message: str
    weight: float
    fraction: float
    score: float
    max_score: float
    duration_s: float
    grader_error: bool = False
    mistake: str | None = None  # the known mistake a check recognised

    @property
    def passed(self) -> bool:
        return self.fraction >= 1


@dataclass(frozen=True)
class PartResult:
    name: str
    title: str
    score: float
    max_score: float
    device: str  # cpu | cuda
    tests: tuple[TestResult, ...]
    budget_s: float | None = None  # a GPU part's training budget on that device
    worker: str = ""  # the Dask worker that graded it; empty for the local pool
    manual: bool = False  # scored by a person: 0 until an adjustment gives it a score
    answer: str = ""  # a manual part: the student's answer as submitted (text; shown escaped)


@dataclass(frozen=True)
class Adjustment:
    """A TA's change to one part: ``kind`` 'score' sets it, 'points' adds to it (negative: takes away)."""

    part: str
    kind: str  # score | points
    value: float
    comment: str
    made_at: float  # seconds since the epoch


@dataclass(frozen=True)
class Late:
    """How late a submission was under the course's policy, and what it cost (course.yaml)."""

    due: str  # the due time in force for this student (an extension included), ISO
    submitted_at: str
    days: int  # days started after the due time and its grace
    percent: float  # of the total taken away (100: past the last day accepted)
    points: float


@dataclass(frozen=True)
class Result:
    """A graded submission."""

    assignment: str
    title: str
    student: str
    filename: str
    sha256: str
    parts: tuple[PartResult, ...]
    notes: tuple[str, ...]
    printed: str
    sandbox: tuple[str, ...]
    device: str  # what the GPU parts ran on ('cpu' where there are none)
    execution_time_s: float
    executor: str  # local | dask | gradescope
    grader_version: str = __version__
    display: str = ""  # the student's name as found, for people; ``student`` is the id outputs are filed under
    status: str = "graded"  # one of STATUSES: never an ordinary zero when unreadable; why is in the notes
    schema_version: int = SCHEMA_VERSION
    email: str = ""
    lms: str = ""  # Who's fields: where the identity came from
    lms_id: str = ""
    submitted_at: str = ""
    time_source: str = ""
    lms_late: bool = False
    group: tuple[str, ...] = ()
    late: Late | None = None  # set by the course's view (autograder.standing), never stored
    adjustments: tuple[Adjustment, ...] = ()  # the same: a TA's, kept in the gradebook apart from gradings
    adjustment_points: float = 0.0  # the same: what the adjustments changed, in points

    @property
    def raw_score(self) -> float:
        """The parts' points (a TA's adjustments included) before any late penalty."""
        return round(sum(p.score for p in self.parts), 4)

    @property
    def penalty(self) -> float:
        return self.late.points if self.late else 0.0

    @property
    def who(self) -> Who:
        return Who(**{f.name: getattr(self, f.name) for f in dataclasses.fields(Who)})

    def for_member(self, who: Who) -> "Result":
        """The same grading filed for another member of the group that handed it in."""
        fields = {f.name: getattr(who, f.name) for f in dataclasses.fields(Who)}
        return dataclasses.replace(self, **{**fields, "display": who.display or who.student})

    @property
    def score(self) -> float:
        """The total: the parts' points less the late penalty."""
        return round(self.raw_score - self.penalty, 4) if self.late else self.raw_score

    @property
    def max_score(self) -> float:
        return sum(p.max_score for p in self.parts)

    @property
    def outcomes(self) -> tuple[TestResult, ...]:
        """Every test, part after part."""
        return tuple(t for p in self.parts for t in p.tests)

    def to_dict(self) -> dict:
        return plain(self)

    @classmethod
    def from_dict(cls, data: dict, where: str = "a result record") -> "Result":
        check_version(data.get("schema_version") if isinstance(data, dict) else None, where)
        parts = tuple(PartResult(**{**p, "tests": tuple(TestResult(**t) for t in p["tests"])})
                      for p in data["parts"])
        values = {**data, "parts": parts, "late": Late(**data["late"]) if data.get("late") else None,
                  "adjustments": tuple(Adjustment(**a) for a in data.get("adjustments", ()))}
        for key in ("notes", "sandbox", "group"):
            values[key] = tuple(data.get(key, ()))
        values["schema_version"] = SCHEMA_VERSION  # an older record is read as this one (its new fields default)
        return cls(**values)


def assemble(assignment: Assignment, who: Who | str, runs: list[Run], executor: str = "local") -> Result:
    """The record of one submission from the runs that graded its parts: the one place that scores
    and that gives a record its status."""
    who = Who(who) if isinstance(who, str) else who
    outcomes = [o for run in runs for o in run.outcomes]
    run_of = {name: run for run in runs for name in run.parts}
    parts = []
    for part in score.score(assignment, outcomes):
        runner = assignment.part(part.name).runner
        run = run_of.get(part.name, runs[0])
        device = devices.for_part(runner, run.device)
        budget = assignment.settings(device).get("budget_s") if runner == "gpu" else None
        tests = tuple(TestResult(t.outcome.id, t.outcome.part, t.outcome.visibility, t.outcome.status,
                                 t.outcome.message, t.outcome.weight, t.outcome.fraction, round(t.score, 4),
                                 round(t.max_score, 4), t.outcome.duration_s, t.outcome.grader_error,
                                 t.outcome.mistake) for t in part.tests)
        parts.append(PartResult(part.name, part.title, part.score, part.max_score, device, tests,
                                None if budget is None else float(budget), run.worker,
                                assignment.part(part.name).manual))
    gpu_run = next((run_of[p.name] for p in assignment.parts if p.runner == "gpu" and p.name in run_of), None)
    notes = tuple(dict.fromkeys(n for r in runs for n in r.notes))
    status, why = _status(runs, parts, who)
    result = Result(
        assignment=assignment.name, title=assignment.title, student=who.student, filename=runs[0].filename,
        sha256=runs[0].sha256, parts=tuple(parts), notes=notes + tuple(n for n in why if n not in notes),
        printed=_printed(runs), sandbox=tuple(dict.fromkeys(m for r in runs for m in r.sandbox)),
        device=gpu_run.device if gpu_run is not None else "cpu",
        execution_time_s=sum(r.execution_time_s for r in runs), executor=executor, status=status)
    return result.for_member(who)


LIMIT_STATUSES = ("timeout", "error")  # a test whose call hit a time limit or crashed the student's process


def _status(runs: list[Run], parts: list[PartResult], who: Who) -> tuple[str, tuple[str, ...]]:
    """The grading's own status and the notes that say why: nothing to grade, or a limit a person should look
    at. Lateness, manual parts and adjustments are the course's, applied by :mod:`autograder.standing`."""
    if any(r.unreadable for r in runs):
        return "unreadable", ()
    why = []
    breached = [t for p in parts for t in p.tests if t.status in LIMIT_STATUSES]
    if breached:
        why.append(f"needs review: {len(breached)} test(s) hit a time limit or crashed the process running the "
                   f"code (first: {breached[0].part}: {breached[0].id})")
    return ("needs_review" if breached else "graded"), tuple(why)  # lateness: the course's view decides


def _printed(runs: list[Run]) -> str:
    """Each run loaded the code: what it printed while loading is shown once."""
    printed = runs[0].printed
    for run in runs[1:]:
        common = os.path.commonprefix([printed, run.printed])
        printed += run.printed[len(common):]
    return printed
