"""The course room: where a course's assignments, solutions and releases live.

A course is a folder::

    assignments/NAME/    assignment.yaml, tests/public, tests/hidden, data/
    solutions/NAME/      the instructor's master notebook (or .py)
    release/NAME/        the generated student version

This is the only module that knows that layout; everything else asks a
:class:`Course` (or, for an assignment already loaded, ``Course.of``). The
command line passes its ``--course`` here explicitly; the API takes an
optional ``course`` and otherwise looks from the working folder.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from autograder import config
from autograder.config import Assignment, ConfigError

ASSIGNMENTS, SOLUTIONS, RELEASES = "assignments", "solutions", "release"
_CHECKOUT = Path(__file__).resolve().parent.parent  # this repository, which ships a course


@dataclass(frozen=True)
class Course:
    root: Path

    @classmethod
    def locate(cls, explicit: str | os.PathLike | None = None) -> "Course":
        """``explicit`` (--course), else the working folder, else this checkout: the first holding assignments/."""
        if explicit is not None:
            root = Path(explicit)
            if not (root / ASSIGNMENTS).is_dir():
                raise ConfigError(f"--course {root}: no {ASSIGNMENTS}/ folder there")
            return cls(root.resolve())
        for candidate in (Path.cwd(), _CHECKOUT):
            if (candidate / ASSIGNMENTS).is_dir():
                return cls(candidate.resolve())
        raise ConfigError(f"no {ASSIGNMENTS}/ folder found: run from the course folder or pass --course DIR")

    @classmethod
    def for_new(cls, explicit: str | os.PathLike | None = None) -> "Course":
        """The course ``autograder new`` writes into: ``explicit`` (--course; a folder not there yet is a new
        course) or the working folder when it holds assignments/. Unlike :meth:`locate`, never this checkout:
        a new assignment must land where the instructor stands, not in the installed package's course."""
        if explicit is not None:
            root = Path(explicit)
            if root.exists() and not root.is_dir():
                raise ConfigError(f"--course {root}: not a folder")
            return cls(root.resolve())
        if (Path.cwd() / ASSIGNMENTS).is_dir():
            return cls(Path.cwd().resolve())
        raise ConfigError(f"no {ASSIGNMENTS}/ folder here: run `autograder new` in the course folder, "
                          "or give --course DIR (a new course when DIR does not exist)")

    @classmethod
    def enclosing(cls, folder: str | os.PathLike, name: str) -> "Course | None":
        """The course holding assignment ``name`` in ``folder`` or the nearest folder above it, if any:
        a notebook's kernel runs in the notebook's folder (``solutions/NAME`` for an instructor)."""
        for candidate in (Path(folder).resolve(), *Path(folder).resolve().parents):
            if (candidate / ASSIGNMENTS / name / "assignment.yaml").is_file():
                return cls(candidate)
        return None

    @classmethod
    def of(cls, assignment: Assignment) -> "Course":
        """The course an assignment was loaded from (its folder is ``assignments/NAME``)."""
        return cls(assignment.root.parent.parent)

    def assignment_dir(self, name: str) -> Path:
        return self.root / ASSIGNMENTS / name

    def solution_dir(self, name: str) -> Path:
        return self.root / SOLUTIONS / name

    def release_dir(self, name: str) -> Path:
        return self.root / RELEASES / name

    def names(self) -> list[str]:
        return sorted(p.parent.name for p in (self.root / ASSIGNMENTS).glob("*/assignment.yaml"))

    def assignment(self, name: str) -> Assignment:
        path = self.assignment_dir(name) / "assignment.yaml"
        if not path.is_file():
            known = ", ".join(self.names()) or "none"
            raise ConfigError(f"no assignment named {name!r} under {self.root / ASSIGNMENTS} (known: {known})")
        return config.load(path)

    def material(self, assignment: Assignment) -> str:
        """A content hash of everything that decides a grade besides the submission and the grader's code:
        the assignment's folder (assignment.yaml, public and hidden tests, their helpers, data) and its
        reference solution. A grade made with another hash is stale (course-operations.md, Regrades)."""
        digest = hashlib.sha256()
        files = [p for p in sorted(assignment.root.rglob("*"))
                 if p.is_file() and not any(q == "__pycache__" or q.startswith(".")
                                            for q in p.relative_to(assignment.root).parts)]
        try:
            files.append(self.solution_file(assignment))
        except ConfigError:  # a student's release folder: no reference, and nothing is graded with it
            pass
        for path in files:
            digest.update(f"{path.relative_to(self.root)}\0".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        return digest.hexdigest()

    def solution_file(self, assignment: Assignment) -> Path:
        folder = self.solution_dir(assignment.name)
        for suffix in (".ipynb", ".py"):
            path = folder / f"{assignment.student_file}{suffix}"
            if path.is_file():
                return path
        raise ConfigError(f"{folder}: no {assignment.student_file}.ipynb or .py master solution")


def find(name: str, course: Course | None = None, start: str | os.PathLike | None = None) -> Assignment:
    """The assignment ``name``: ``course``'s; without one, a student's release folder
    (``start``, by default the working folder, or ``release/NAME`` under it) before the located course."""
    if course is None:
        start = Path.cwd() if start is None else Path(start)
        for folder in (start / RELEASES / name, start):
            if folder.name == name and (folder / "assignment.yaml").is_file() and \
                    not (folder.parent.parent / ASSIGNMENTS / name).is_dir():
                return config.load(folder / "assignment.yaml")
        course = Course.enclosing(start, name) or Course.locate()  # release/NAME inside a course: that course
    return course.assignment(name)
