"""``autograder export gradescope NAME``: the autograder zip Gradescope builds its image from.

Layout (Gradescope unpacks it into ``/autograder/source``)::

    setup.sh, run_autograder         Gradescope's two entry points (executable)
    grader/                          this grader's source, pip-installed by setup.sh
    course/assignments/NAME/         assignment.yaml, public and hidden tests, support files, data
    course/solutions/NAME/NAME.ipynb the reference solution the hidden tests compare with

Only the one assignment's material is copied, file by file from its own
folder, never a folder above it: the zip goes to a third party and into a
container that runs student code, so another assignment's hidden tests or
reference, the project's test catalogue or other releases must not ride
along. Entries have a fixed date, so the same material gives the same zip.
"""

from __future__ import annotations

import os
import stat
import zipfile
from collections import Counter
from pathlib import Path, PurePosixPath

from autograder import __version__, extras
from autograder.config import Assignment
from autograder.course import ASSIGNMENTS, SOLUTIONS, Course
from autograder.gradescope import scripts, source

GRADER, COURSE = "grader", "course"
ENTRY_POINTS = ("setup.sh", "run_autograder")
FIXED_DATE = (2024, 1, 1, 0, 0, 0)
SKIPPED_DIRS = {"__pycache__", ".ipynb_checkpoints", ".git", ".pytest_cache"}


def build(assignment: Assignment, to: str | os.PathLike) -> Path:
    """Write the autograder zip for ``assignment`` to ``to`` (replaced whole, never left half-written)."""
    to = Path(to)
    if not to.parent.is_dir():
        raise FileNotFoundError(f"{to.parent}: no such folder to write {to.name} in")
    course = Course.of(assignment)
    needed, others = extras.needed_by(assignment)
    entries = [("setup.sh", scripts.setup_sh(needed, others).encode(), 0o755),
               ("run_autograder", scripts.run_autograder(assignment.name).encode(), 0o755)]
    entries += [(f"{GRADER}/{name}", data, 0o644) for name, data in source.files()]
    here = f"{COURSE}/{ASSIGNMENTS}/{assignment.name}"
    entries += [(f"{here}/{rel}", path.read_bytes(), 0o644) for rel, path in _material(assignment.root)]
    solution = course.solution_file(assignment)  # a ConfigError when there is none: hidden tests need it
    entries.append((f"{COURSE}/{SOLUTIONS}/{assignment.name}/{solution.name}", solution.read_bytes(), 0o644))
    tmp = to.with_name(to.name + ".tmp")
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data, mode in entries:
                info = zipfile.ZipInfo(name, FIXED_DATE)
                info.create_system = 3  # Unix: unzip applies the mode bits below
                info.external_attr = (stat.S_IFREG | mode) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, data)
        os.replace(tmp, to)
    finally:
        tmp.unlink(missing_ok=True)
    return to


def _material(folder: Path) -> list[tuple[str, Path]]:
    """Every file of an assignment's folder, relative to it: no caches, no hidden files, and no link
    that leads out of the folder (it could name any file on the instructor's machine)."""
    root = folder.resolve()
    out = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if SKIPPED_DIRS & set(rel.parts) or any(p.startswith(".") for p in rel.parts) \
                or path.suffix in (".pyc", ".pyo") or not path.is_file():
            continue
        if not path.resolve().is_relative_to(root):
            continue
        out.append((rel.as_posix(), path))
    return out


def summary(path: Path, assignment: Assignment) -> list[str]:
    """What the zip for ``assignment`` holds, a line per folder, for the terminal."""
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    size = path.stat().st_size
    folders = Counter(GRADER if n.startswith(GRADER + "/") else str(PurePosixPath(n).parent)
                      for n in names if PurePosixPath(n).parent.name)
    needed, others = extras.needed_by(assignment)
    install = extras.DISTRIBUTION + (f"[{','.join(needed)}]" if needed else "") + "".join(f" {m}" for m in others)
    lines = [f"wrote {path} ({len(names)} files, {size / 1024:.0f} KiB), for Gradescope's Ubuntu image:",
             f"  {', '.join(n for n in ENTRY_POINTS if n in names)}: Gradescope's entry points"]
    for folder, count in sorted(folders.items()):
        what = f"the grader's source ({__version__}); setup.sh installs {install}" if folder == GRADER \
            else _what(folder)
        lines.append(f"  {folder + '/':44s} {count:3d} file(s){'  ' + what if what else ''}")
    return lines


def _what(folder: str) -> str:
    parts = PurePosixPath(folder).parts
    if len(parts) >= 3 and parts[:2] == (COURSE, ASSIGNMENTS) and parts[3:] == ("tests", "hidden"):
        return "hidden tests"
    if len(parts) == 3 and parts[:2] == (COURSE, SOLUTIONS):
        return "reference solution"
    return ""
