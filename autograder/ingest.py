"""Finding submissions under the paths a TA gives.

Layouts (grading.md): one submission file; a folder with one sub-folder per
student (``<student>/<anything>.py|.ipynb|.zip``, searched recursively);
nbgrader's ``submitted/<student>/<assignment>/``; a flat folder of files
named after students. When a student has several candidates,
``<assignment>.ipynb`` wins, then ``<assignment>.py``, then the newest file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from autograder.extract import pick

SUBMISSION_SUFFIXES = (".py", ".ipynb", ".zip")
IGNORED_DIRS = {".ipynb_checkpoints", "__pycache__", "__MACOSX", ".git"}


@dataclass(frozen=True)
class Submission:
    student: str
    path: Path | None  # None: the student's folder held nothing gradeable
    note: str = ""


def _candidates(folder: Path) -> list[Path]:
    found = []
    for path in sorted(folder.rglob("*")):
        if any(part in IGNORED_DIRS for part in path.relative_to(folder).parts):
            continue
        if path.is_file() and path.suffix.lower() in SUBMISSION_SUFFIXES:
            found.append(path)
    return found


def _choose(student: str, folder: Path, stem: str) -> Submission:
    candidates = _candidates(folder)
    if not candidates:
        return Submission(student, None, f"no .py, .ipynb or .zip file found in {folder.name}/")
    chosen = pick(candidates, stem, key=lambda p: p.name, newest=lambda p: p.stat().st_mtime)
    note = f"{len(candidates)} files found; graded {chosen.relative_to(folder)}" if len(candidates) > 1 else ""
    return Submission(student, chosen, note)


def find_submissions(paths: list[str | Path], assignment_stem: str, assignment_name: str) -> list[Submission]:
    found: dict[str, Submission] = {}

    def add(sub: Submission):
        key, n = sub.student, 2
        while key in found:  # the same id under two paths: keep both, visibly
            key, n = f"{sub.student}-{n}", n + 1
        found[key] = Submission(key, sub.path, sub.note)

    for raw in paths:
        path = Path(raw)
        if path.is_file():
            add(Submission(path.stem, path))
        elif (path / "submitted").is_dir():
            for student_dir in sorted(p for p in (path / "submitted").iterdir() if p.is_dir()):
                target = student_dir / assignment_name
                add(_choose(student_dir.name, target if target.is_dir() else student_dir, assignment_stem))
        elif path.is_dir():
            for entry in sorted(path.iterdir()):
                if entry.name in IGNORED_DIRS or entry.name.startswith("."):
                    continue
                if entry.is_dir():
                    add(_choose(entry.name, entry, assignment_stem))
                elif entry.suffix.lower() in SUBMISSION_SUFFIXES:
                    add(Submission(entry.stem, entry))
        else:
            raise FileNotFoundError(f"{path}: no such file or folder")
    return list(found.values())
