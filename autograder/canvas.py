"""``autograder export canvas OUT --to FILE.csv``: the grades, as Canvas's gradebook import reads them.

Canvas's import (Grades -> Import) matches each row to a student by the
``ID`` column, the Canvas user id, and each further column to an assignment
by its name (``Backprop (12345)`` as Canvas's own export names it; a name it
does not know becomes a new assignment). So the file has Canvas's five
identity columns (``Student``, ``ID``, ``SIS User ID``, ``SIS Login ID``,
``Section``) and one column for the assignment.

A student's Canvas id comes from a Canvas download's file names or from the
roster (a Canvas gradebook export used as ``--roster`` carries it); it is
never guessed from a name. Students without one, and those with no score a
person can use (unreadable, missing, a grader fault), are left out of the
file and listed on the terminal: a blank is what Canvas shows until a TA
decides, never a silent zero.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

from autograder import safe, standing
from autograder.gradebook import graded

COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")


@dataclass(frozen=True)
class Exported:
    path: Path
    column: str
    rows: int
    left_out: list[tuple[str, str]]  # (student, why)
    to_review: list[str]  # exported, but a person should look first


def export(out: Path, to: Path, assignment_of, column: str | None = None,
           people: list | None = None) -> Exported:
    """Write ``to`` from ``out``'s gradebook; ``assignment_of(name)`` loads the assignment, ``people`` is a
    roster to use instead of the one the gradebook keeps."""
    with graded(out, assignment_of) as (book, assignment):
        lines = standing.class_list(book, assignment, people)
    column = column or assignment.title
    left_out, to_review, written = [], [], 0
    tmp = to.with_name(to.name + ".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow([*COLUMNS, column])
        for line in lines:
            if not line.canvas_id:
                left_out.append((line.student, "no Canvas id (grade a Canvas download, or give a roster that "
                                               "has the Canvas ID column)"))
                continue
            if not line.scored:
                left_out.append((line.student, f"{line.status.replace('_', ' ')}: no score to send; "
                                               "enter one in Canvas by hand if one is due"))
                continue
            if line.status == "needs_review":
                to_review.append(line.student)
            person = line.person
            writer.writerow([safe.csv_cell(line.name), safe.csv_cell(line.canvas_id),
                             safe.csv_cell(person.sis_user_id if person else ""),
                             safe.csv_cell(person.sis_login_id if person else ""), safe.csv_cell(line.section),
                             f"{line.result.score:g}"])
            written += 1
    os.replace(tmp, to)
    return Exported(to, column, written, left_out, to_review)
