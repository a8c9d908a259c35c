"""Finding submissions under the paths a TA gives.

Layouts (grading.md): one submission file; a folder with one sub-folder per
student (``<student>/<anything>.py|.ipynb|.zip``, searched recursively);
nbgrader's ``submitted/<student>/<assignment>/``; a flat folder of files
named after students. Course exports too, as the zip a TA downloads or
unpacked: Gradescope's (``submission_metadata.yml`` names the student of
each ``submission_<id>/`` folder) and Canvas's (``<login>[_LATE]_<user id>_
<submission id>_<file name>``). When a student has several candidates,
``<assignment>.ipynb`` wins, then ``<assignment>.py``, then the newest file,
and the feedback names the file graded. Nothing here is fatal for a batch:
an unreadable entry becomes a submission with a note.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from autograder.extract import pick

SUBMISSION_SUFFIXES = (".py", ".ipynb", ".zip")
IGNORED_DIRS = {".ipynb_checkpoints", "__pycache__", "__MACOSX", ".git"}
CANVAS_NAME = re.compile(r"^(?P<login>[A-Za-z0-9.\-]+?)(?:_LATE)?_(?P<user>\d+)_(?P<sub>\d+)_(?P<file>.+)$")
GRADESCOPE_METADATA = "submission_metadata.yml"


@dataclass(frozen=True)
class Submission:
    student: str
    path: Path | None  # None: the student's folder held nothing gradeable
    note: str = ""
    member: str | None = None  # a file inside the zip at ``path`` (a course export)
    display: str = ""  # the name as found, for people to read; ``student`` is the id the outputs use

    @property
    def name(self) -> str:
        if self.member:
            return _original_name(Path(self.member).name)
        return _original_name(self.path.name) if self.path else "(no file)"

    def read(self) -> bytes:
        """The submitted bytes (empty when there is no file)."""
        if self.path is None:
            return b""
        if self.member is None:
            return self.path.read_bytes()
        with zipfile.ZipFile(self.path) as archive:
            return archive.read(self.member)


def _original_name(name: str) -> str:
    """A Canvas download's file name without the login and ids Canvas put in front."""
    match = CANVAS_NAME.match(name)
    return match.group("file") if match else name


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


def _gradescope_students(metadata_text: str) -> dict[str, str]:
    """``submission_<id>`` -> student id (sid, else e-mail, else name) from Gradescope's metadata."""
    try:
        data = yaml.safe_load(metadata_text) or {}
    except yaml.YAMLError:
        return {}
    out = {}
    for key, entry in data.items() if isinstance(data, dict) else []:
        submitters = entry.get(":submitters") or entry.get("submitters") or [] if isinstance(entry, dict) else []
        people = [p for p in submitters if isinstance(p, dict)]
        ids = [str(p.get(":sid") or p.get(":email") or p.get(":name") or "").strip() for p in people]
        ids = [re.sub(r"[^A-Za-z0-9@._-]+", "_", i) for i in ids if i]
        if ids:
            out[str(key)] = "+".join(ids)  # a group submission is graded once, for all its members
    return out


def _from_members(members: list[str], stem: str, student_of, newest) -> dict[str, list[str]]:
    """Group export members by student; ``student_of(member)`` returns an id or None to ignore."""
    groups: dict[str, list[str]] = {}
    for m in members:
        if Path(m).suffix.lower() not in SUBMISSION_SUFFIXES or any(p in IGNORED_DIRS for p in Path(m).parts):
            continue
        student = student_of(m)
        if student:
            groups.setdefault(student, []).append(m)
    return groups


def _export_submissions(zip_path: Path, stem: str) -> list[Submission] | None:
    """The submissions of a Gradescope or Canvas export zip; None when it is one student's zip."""
    try:
        with zipfile.ZipFile(zip_path) as archive:
            infos = {i.filename: i for i in archive.infolist() if not i.is_dir()}
            meta = next((n for n in infos if Path(n).name == GRADESCOPE_METADATA), None)
            meta_text = archive.read(meta).decode("utf-8", "replace") if meta else ""
    except (zipfile.BadZipFile, OSError):
        return None
    names = list(infos)
    newest = lambda m: infos[m].date_time  # noqa: E731
    if meta:
        students = _gradescope_students(meta_text)

        def student_of(m):
            folder = next((p for p in Path(m).parts if p.startswith("submission_")), None)
            return students.get(folder, folder)
    elif names and all(CANVAS_NAME.match(Path(n).name) for n in names if Path(n).suffix.lower() in SUBMISSION_SUFFIXES):
        def student_of(m):
            return CANVAS_NAME.match(Path(m).name).group("login")
    else:
        return None
    subs = []
    for student, members in sorted(_from_members(names, stem, student_of, newest).items()):
        chosen = pick(members, stem, key=lambda m: _original_name(Path(m).name), newest=newest)
        note = f"{len(members)} files found; graded {_original_name(Path(chosen).name)}" if len(members) > 1 else ""
        subs.append(Submission(student, zip_path, note, chosen))
    return subs


def find_submissions(paths: list[str | Path], assignment_stem: str, assignment_name: str) -> list[Submission]:
    found: dict[str, Submission] = {}

    def add(sub: Submission):
        key, n = sub.student, 2
        while key in found:  # the same id under two paths: keep both, visibly
            key, n = f"{sub.student}-{n}", n + 1
        found[key] = Submission(key, sub.path, sub.note, sub.member)

    for raw in paths:
        path = Path(raw)
        if path.is_file() and path.suffix.lower() == ".zip":
            export = _export_submissions(path, assignment_stem)
            for sub in export if export is not None else [Submission(path.stem, path)]:
                add(sub)
        elif path.is_file():
            add(Submission(path.stem, path))
        elif (path / GRADESCOPE_METADATA).is_file():
            students = _gradescope_students((path / GRADESCOPE_METADATA).read_text(errors="replace"))
            for folder in sorted(p for p in path.iterdir() if p.is_dir() and p.name.startswith("submission_")):
                add(_choose(students.get(folder.name, folder.name), folder, assignment_stem))
        elif (path / "submitted").is_dir():
            for student_dir in sorted(p for p in (path / "submitted").iterdir() if p.is_dir()):
                target = student_dir / assignment_name
                add(_choose(student_dir.name, target if target.is_dir() else student_dir, assignment_stem))
        elif path.is_dir():
            canvas: dict[str, list[Path]] = {}
            for entry in sorted(path.iterdir()):
                if entry.name in IGNORED_DIRS or entry.name.startswith("."):
                    continue
                if entry.is_dir():
                    add(_choose(entry.name, entry, assignment_stem))
                elif entry.suffix.lower() in SUBMISSION_SUFFIXES and CANVAS_NAME.match(entry.name):
                    canvas.setdefault(CANVAS_NAME.match(entry.name).group("login"), []).append(entry)
                elif entry.suffix.lower() in SUBMISSION_SUFFIXES:
                    add(Submission(entry.stem, entry))
            for login, files in sorted(canvas.items()):  # an unpacked Canvas download
                chosen = pick(files, assignment_stem, key=lambda p: _original_name(p.name),
                              newest=lambda p: p.stat().st_mtime)
                add(Submission(login, chosen, f"{len(files)} files found; graded {_original_name(chosen.name)}"
                               if len(files) > 1 else ""))
        else:
            raise FileNotFoundError(f"{path}: no such file or folder")
    return list(found.values())
