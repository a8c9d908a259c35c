"""The course roster (``--roster FILE.csv``) and the class list built with it.

A roster maps ids to people: ``id``, ``name``, ``email``, ``section``, any
other column kept. A Canvas gradebook export works as it is (``Student``,
``ID``, ``SIS User ID``, ``SIS Login ID``, ``Section``): its ``ID`` is the
Canvas user id, so it also gives every student the id Canvas's import needs.
A roster is validated once, when it is read, with errors that name the file
and the row.

:func:`class_list` is the one place that joins the gradebook's rows with the
roster: one :class:`Line` per student, graded or not, each with one status
of the contract (graded, late, needs_review, unreadable, fault, missing).
gradebook.csv, the summary, results.json and the Canvas export are views of
it. It also applies the flags of ``autograder similarity``: a flagged student
with a score is ``needs_review`` there, with the reason among the notes for
TAs; the stored record, its score and the student's feedback stay as graded.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from autograder.config import ConfigError

ROSTER_BYTES = 20 * 1024 * 1024  # a class list, not a data set: larger is the wrong file
ALIASES = {"id": ("id", "student_id", "user_id"), "name": ("name", "student", "student_name"),
           "email": ("email", "e_mail", "email_address"), "section": ("section",),
           "sis_user_id": ("sis_user_id",), "sis_login_id": ("sis_login_id",), "canvas_id": ("canvas_id",)}
CANVAS_ROWS_TO_SKIP = ("Points Possible", "Student, Test")  # Canvas's points row and its built-in test student
ATTENTION = ("fault", "unreadable", "needs_review", "missing", "late")  # listed first, in this order


@dataclass(frozen=True)
class Person:
    id: str
    name: str = ""
    email: str = ""
    section: str = ""
    canvas_id: str = ""  # Canvas's user id, when the roster knows it
    sis_user_id: str = ""
    sis_login_id: str = ""
    extra: dict = field(default_factory=dict, compare=False)  # the roster's other columns, as they were

    def keys(self) -> set[str]:
        """What a submission may be filed under for this person (ids, e-mail), compared without case."""
        return {k.casefold() for k in (self.id, self.canvas_id, self.sis_user_id, self.sis_login_id, self.email)
                if k}

    def to_dict(self) -> dict:
        return {**self.__dict__, "extra": dict(self.extra)}


def _column(header: str) -> str:
    return re.sub(r"[\s\-]+", "_", header.strip().lower())


def load(path: str | Path) -> list[Person]:
    """The roster at ``path``; ConfigError naming the file (and row) when it cannot be used."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: the roster cannot be read ({exc.strerror or exc})") from None
    if len(raw) > ROSTER_BYTES:
        raise ConfigError(f"{path}: larger than {ROSTER_BYTES // 2**20} MiB; is it the roster?")
    reader = csv.reader(io.StringIO(raw.decode("utf-8-sig", "replace")))  # Excel writes a BOM
    header = next(reader, None)
    if not header:
        raise ConfigError(f"{path}: the roster is empty (expected a header row: id,name,email,section)")
    columns = [_column(h) for h in header]
    canvas = {"student", "id", "sis_user_id"} <= set(columns)  # a Canvas gradebook export
    where = {key: next((columns.index(a) for a in names if a in columns), None) for key, names in ALIASES.items()}
    if where["id"] is None:
        raise ConfigError(f"{path}: the roster has no 'id' column (its columns: {', '.join(header)})")
    known = {i for i in where.values() if i is not None}
    people: dict[str, tuple[int, Person]] = {}
    for number, row in enumerate(reader, start=2):
        cell = lambda key: row[where[key]].strip() if where[key] is not None and where[key] < len(row) else ""  # noqa: E731
        if not any(c.strip() for c in row) or canvas and cell("name").startswith(CANVAS_ROWS_TO_SKIP):
            continue
        if not cell("id"):
            raise ConfigError(f"{path}, row {number}: the id is empty")
        person = Person(cell("id"), cell("name"), cell("email"), cell("section"),
                        cell("id") if canvas else cell("canvas_id"), cell("sis_user_id"), cell("sis_login_id"),
                        {header[i]: v for i, v in enumerate(row) if i not in known and i < len(header)})
        if person.id.casefold() in people:
            raise ConfigError(f"{path}, rows {people[person.id.casefold()][0]} and {number}: "
                              f"the id {person.id!r} is there twice")
        people[person.id.casefold()] = (number, person)
    return [p for _, p in people.values()]


def from_dicts(data: list[dict]) -> list[Person]:
    """A roster as the gradebook stored it (:meth:`Person.to_dict`)."""
    return [Person(**d) for d in data]


@dataclass(frozen=True)
class Line:
    """One student of the class list: their record (None when missing or a fault) and who they are."""

    student: str
    name: str
    status: str
    result: object = None  # record.Result
    fault: str = ""
    person: Person | None = None
    # Hooks for what a person or a policy adds to the record's score, shown in summary.html's columns of
    # the same names ('–' while empty): the points a late policy took (a positive number), and manual
    # adjustments, each a number or a pair (points, why).
    penalty: float | None = None
    adjustments: tuple = ()
    review: tuple[str, ...] = ()  # why a person should look, beyond the record's notes (a similarity flag)

    @property
    def notes(self) -> tuple[str, ...]:
        """What a TA reads beside the status: why to review first, then the record's notes; or why there is
        no record."""
        if self.result is not None:
            return (*self.review, *self.result.notes)
        if self.fault:
            return (self.fault,)
        return ("on the roster; nothing was submitted",) if self.status == "missing" else ()

    @property
    def email(self) -> str:
        return (self.person.email if self.person else "") or (self.result.email if self.result else "")

    @property
    def section(self) -> str:
        return self.person.section if self.person else ""

    @property
    def canvas_id(self) -> str:
        """Canvas's user id: the roster's, else the one a Canvas download's file name carried; never guessed."""
        if self.person and self.person.canvas_id:
            return self.person.canvas_id
        return self.result.lms_id if self.result is not None and self.result.lms == "canvas" else ""

    @property
    def scored(self) -> bool:
        """Has a score a person can use: graded, late or needing review (not unreadable, missing or a fault)."""
        return self.status in ("graded", "late", "needs_review")


def class_list(rows: list, roster: list[Person] = (), flags: dict[str, str] | None = None) -> list[Line]:
    """Every student in the gradebook and everyone on the roster who submitted nothing ('missing'), by id.
    ``flags``: ``{student: reason}`` to review (:meth:`Gradebook.flags`); only a student with a score
    is flagged, and only their status changes."""
    flags = flags or {}
    index = {k: p for p in roster for k in p.keys()}
    lines, matched = [], set()
    for row in rows:
        r = row.result
        keys = [row.student, *((r.lms_id, r.email) if r else ())]
        person = next((index[k.casefold()] for k in keys if k and k.casefold() in index), None)
        if person:
            matched.add(person.id)
        name = (person.name if person and person.name else "") or (r.display if r else row.student)
        line = Line(row.student, name, r.status if r else "fault", r, row.fault or "", person,
                    penalty=r.penalty if r is not None and r.late else None,
                    adjustments=((r.adjustment_points, "; ".join(a.comment for a in r.adjustments)),)
                    if r is not None and r.adjustments else ())
        if row.student in flags and line.scored:
            line = replace(line, status="needs_review", review=(flags[row.student],))
        lines.append(line)
    lines += [Line(p.id, p.name or p.id, "missing", person=p) for p in roster if p.id not in matched]
    return sorted(lines, key=lambda line: line.student)


def attention_first(lines: list[Line]) -> list[Line]:
    """The lines a person must look at first (faults, unreadable, to review, missing, late), then the rest."""
    rank = {s: i for i, s in enumerate(ATTENTION)}
    return sorted(lines, key=lambda line: rank.get(line.status, len(ATTENTION)))
