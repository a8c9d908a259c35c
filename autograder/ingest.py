"""Finding submissions under the paths a TA gives.

Layouts (grading.md): one submission file; a folder with one sub-folder per
student (``<student>/<anything>.py|.ipynb|.zip``, searched recursively);
nbgrader's ``submitted/<student>/<assignment>/``; a flat folder of files
named after students. Course exports too, as the zip a TA downloads or
unpacked: Gradescope's and Canvas's, whose names and ids :mod:`autograder.lms`
reads (a Canvas user id or a Gradescope sid is the student's id; a group
submission is one per member, sharing a ``group`` key so that the batch
grades it once). Every submission carries its submission time: the LMS's
where the export has it, else the file's. When a student has several candidates,
:func:`autograder.extract.pick` chooses (a notebook before a module, files
named after the assignment first, renamed copies included, then the newest),
and the feedback names the file graded. Nothing here is fatal for a batch:
an unreadable entry becomes a submission with a note.

Everything found is the students' and read in the grader's own process, so
nothing is trusted but the paths the TA gives: a student's folder is walked
breadth first without recursion, up to a number of entries, and never
through a symbolic link that leaves it (a student's folder that is itself a
link is not followed at all); files are read without following links, in
capped amounts; export zips are read in memory through the same checks as a
student's zip (:mod:`autograder.extract`); only the ``submission_metadata.yml``
at the root of a Gradescope export names students. Every id becomes a safe
folder name under OUT (:func:`autograder.ids.safe_id`), two students never
share one, and the name as found is kept in ``display``.
"""

from __future__ import annotations

import datetime as dt
import os
import stat
import zipfile
from collections import deque
from dataclasses import dataclass, replace
from itertools import islice
from pathlib import Path

from autograder import ids, lms
from autograder.archives import open_archive, read_entry, unreadable_entry, usable_entries
from autograder.extract import named_after, pick
from autograder.intake_limits import DEFAULT, MiB, IntakeLimits, Refused
from autograder.record import Who

SUBMISSION_SUFFIXES = (".py", ".ipynb", ".zip")
IGNORED_DIRS = {".ipynb_checkpoints", "__pycache__", "__MACOSX", ".git"}


@dataclass(frozen=True)
class Submission:
    student: str
    path: Path | None  # None: the student's folder held nothing gradeable
    note: str = ""
    member: str | None = None  # a file inside the zip at ``path`` (a course export)
    display: str = ""  # the name as found, for people to read; ``student`` is the id the outputs use
    email: str = ""
    lms: str = ""  # canvas | gradescope | '': where ``student`` came from
    lms_id: str = ""
    submitted_at: str = ""  # ISO time: the LMS's (time_source 'lms') or the file's modification time ('file')
    time_source: str = ""
    lms_late: bool = False
    group: str = ""  # the same for every member of one group submission ('' when handed in alone)
    members: tuple[str, ...] = ()  # the safe ids of the whole group, this student's included
    clash: str = ""  # set when another submission came under the same name: both are kept, this says so

    def who(self) -> Who:
        return Who(self.student, self.display, self.email, self.lms, self.lms_id, self.submitted_at,
                   self.time_source, self.lms_late, self.members)

    @property
    def name(self) -> str:
        if self.member:
            return lms.original_name(Path(self.member).name)
        return lms.original_name(self.path.name) if self.path else "(no file)"

    def read(self, limits: IntakeLimits = DEFAULT) -> bytes:
        """The submitted bytes (empty when there is no file); Refused over a limit, OSError and the like
        when the file cannot be read."""
        if self.path is None:
            return b""
        if self.member is None:
            return read_file(self.path, limits.file_bytes)
        with open_archive(self.path, limits) as archive:
            info = archive.getinfo(self.member)  # the last entry of that name: checked again
            if why := unreadable_entry(info):
                raise Refused(f"{self.member} was not read: {why}")
            return read_entry(archive, info, limits)


def read_file(path: Path, cap: int) -> bytes:
    """At most ``cap`` bytes of a regular file, not through a symbolic link; Refused when it is larger."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)  # a FIFO must not block the batch
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise Refused(f"{path.name} is not a regular file")
        data = fh.read(cap + 1)
    if len(data) > cap:
        raise Refused(f"{path.name} is larger than {cap / MiB:g} MiB; is it the right file?")
    return data


def _walk(folder: Path, limits: IntakeLimits) -> tuple[Path, list[Path], list[str]]:
    """A student's folder (resolved), the submission files in it, and notes on what was skipped.

    Breadth first with a queue (any depth, no recursion), at most ``limits.folder_entries`` entries; a
    symbolic link is never followed out of the folder, and a linked folder never walked.
    """
    root = folder.resolve()
    found: list[Path] = []
    notes: list[str] = []
    queue, left = deque([root]), limits.folder_entries
    while queue and left >= 0:
        current = queue.popleft()
        try:
            with os.scandir(current) as it:
                entries = sorted(islice(it, left + 1), key=lambda e: e.name)
        except OSError as exc:
            notes.append(f"{current.relative_to(root)}/ could not be listed ({exc.strerror})")
            continue
        for entry in entries:
            left -= 1
            if left < 0:
                notes.append(f"{folder.name}/ holds more than {limits.folder_entries:,} files and folders; "
                             "only the first were looked at")
                break
            path = Path(entry.path)
            if entry.name in IGNORED_DIRS:
                continue
            try:
                if entry.is_symlink():
                    target = _inside(path, root)
                    if target is None:
                        notes.append(f"skipped {path.relative_to(root)}: a symbolic link to outside your folder")
                    elif target.is_file() and target.suffix.lower() in SUBMISSION_SUFFIXES:
                        found.append(target)  # a link within the folder: the file it names
                elif entry.is_dir(follow_symlinks=False):
                    queue.append(path)
                elif entry.is_file(follow_symlinks=False) and path.suffix.lower() in SUBMISSION_SUFFIXES:
                    found.append(path)
            except OSError as exc:
                notes.append(f"skipped {path.relative_to(root)} ({exc.strerror})")
    return root, sorted(set(found)), notes


def _inside(link: Path, root: Path) -> Path | None:
    """What ``link`` resolves to when that is inside ``root``, else None."""
    try:
        target = link.resolve()
    except (OSError, RuntimeError):  # a loop of links
        return None
    return target if target != root and target.is_relative_to(root) else None


def one_folder(student: str, folder: Path, stem: str, limits: IntakeLimits = DEFAULT) -> Submission:
    """The submission of one student whose files are all in ``folder`` (Gradescope's
    ``/autograder/submission``): picked, walked and bounded exactly as one student's folder of a batch."""
    return _choose(student, folder, stem, limits)


def _choose(student: str, folder: Path, stem: str, limits: IntakeLimits) -> Submission:
    if folder.is_symlink():
        return Submission(student, None, f"{folder.name}/ is a symbolic link; it was not followed")
    root, candidates, skipped = _walk(folder, limits)
    if not candidates:
        return Submission(student, None,
                          "; ".join(skipped + [f"no .py, .ipynb or .zip file found in {folder.name}/"]))
    chosen = pick(candidates, stem, key=lambda p: p.name, newest=_mtime)
    note = [_picked(len(candidates), chosen.relative_to(root))] if len(candidates) > 1 else []
    return _timed(Submission(student, chosen, "; ".join(skipped + note)))


def _picked(found: int, graded) -> str:
    """The note that names the file graded among several, and why that one."""
    return (f"{found} files found; graded {graded} (a notebook before a module before a zip; among those, "
            "files named after the assignment first, then the newest)")


def _mtime(path: Path) -> float:
    return path.lstat().st_mtime


def _timed(sub: Submission) -> Submission:
    """``sub`` with its file's modification time as the submission time, where the LMS gave none."""
    if sub.submitted_at or sub.path is None or sub.member is not None:
        return sub
    try:
        when = dt.datetime.fromtimestamp(_mtime(sub.path), dt.timezone.utc).isoformat(timespec="seconds")
    except OSError:
        return sub
    return replace(sub, submitted_at=when, time_source="file")


def _as_handin(sub: Submission, handin: lms.Handin | None, where: str) -> list[Submission]:
    """A Gradescope folder's submission (``where``: the folder) filed under each of its submitters: a group's
    members each get one, sharing a group key."""
    if handin is None:
        return [sub]
    group = where if len(handin.people) > 1 else ""
    out = []
    for person in handin.people:
        timed = dict(submitted_at=handin.submitted_at, time_source="lms") if handin.submitted_at else {}
        out.append(_timed(replace(sub, student=person.id, display=person.name or person.id, email=person.email,
                                  lms="gradescope", lms_id=person.lms_id, group=group,
                                  **timed)))
    return out


def _as_canvas(sub: Submission, name: str) -> Submission:
    """A Canvas download's file filed under the user id its name carries, with Canvas's late marker."""
    found = lms.canvas_file(name)
    if found is None:
        return sub
    return replace(sub, student=found.user_id, display=found.name, lms="canvas", lms_id=found.user_id,
                   lms_late=found.late)


def _export_submissions(zip_path: Path, stem: str, limits: IntakeLimits) -> list[Submission] | None:
    """The submissions of a Gradescope or Canvas export zip; None when it is one student's zip."""
    try:
        with open_archive(zip_path, limits) as archive:
            usable, skipped = usable_entries(archive)
            infos = {i.filename: i for i in usable}
            meta = lms.root_metadata(infos)
            meta_text = read_entry(archive, infos[meta], limits).decode("utf-8", "replace") if meta else ""
    except Refused as exc:
        return [Submission(zip_path.stem, None, f"{zip_path.name} was not opened: {exc}")]
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):  # one student's broken zip: extract says so
        return None
    names = list(infos)
    newest = lambda m: infos[m].date_time  # noqa: E731
    handins: dict[str, lms.Handin] = {}
    if meta:
        handins = lms.gradescope_handins(meta_text)
        base = Path(meta).parent.parts

        def folder_of(m):
            parts = Path(m).parts
            if parts[:len(base)] != base or len(parts) < len(base) + 2 \
                    or not parts[len(base)].startswith("submission_"):
                return None
            return parts[len(base)]
    elif names and all(lms.canvas_file(Path(n).name) for n in names if Path(n).suffix.lower() in SUBMISSION_SUFFIXES):
        def folder_of(m):  # a Canvas user id
            found = lms.canvas_file(Path(m).name)
            return found.user_id if found else None
    else:
        return None
    unsafe: dict[str, list[str]] = {}
    seen_as: dict[str, str] = {}  # a name each key was seen under (a Canvas file name says who)
    for name, note in skipped:  # told to the student whose folder the entry claims to be in
        if Path(name).suffix.lower() in SUBMISSION_SUFFIXES and folder_of(name):
            unsafe.setdefault(folder_of(name), []).append(note)
            seen_as[folder_of(name)] = Path(name).name
    groups = _from_members(names, folder_of)
    subs = []
    for key in sorted(set(groups) | set(unsafe)):
        members, notes = groups.get(key, []), unsafe.get(key, [])
        if not members:
            sub = Submission(key, None, "; ".join(notes))
        else:
            chosen = pick(members, stem, key=lambda m: lms.original_name(Path(m).name), newest=newest)
            if len(members) > 1:
                notes = notes + [_picked(len(members), lms.original_name(Path(chosen).name))]
            when = dt.datetime(*infos[chosen].date_time).isoformat()  # a zip's times carry no time zone
            sub = Submission(key, zip_path, "; ".join(notes), chosen, submitted_at=when, time_source="file")
        subs += _as_handin(sub, handins.get(key), f"{zip_path}:{key}") if meta else \
            [_as_canvas(sub, Path(sub.member).name if sub.member else seen_as[key])]
    return subs


def _from_members(members: list[str], student_of) -> dict[str, list[str]]:
    """Group export members by student; ``student_of(member)`` returns an id or None to ignore."""
    groups: dict[str, list[str]] = {}
    for m in members:
        if Path(m).suffix.lower() not in SUBMISSION_SUFFIXES or any(p in IGNORED_DIRS for p in Path(m).parts):
            continue
        student = student_of(m)
        if student:
            groups.setdefault(student, []).append(m)
    return groups


def _unfollowed(student: str, entry: Path) -> Submission:
    return Submission(student, None, f"{entry.name} is a symbolic link; it was not followed")


def _one_students(path: Path, stem: str) -> bool:
    """``path`` is one student's folder, not a folder of students: it holds no folder, and a submission file
    in it is named after the assignment (``backprop.ipynb``, ``backprop (1).ipynb``), which in a flat folder
    of students' files would be a student named after the assignment. A TA regrading one student passes
    such a folder; it is that student's, under the folder's name."""
    entries = [e for e in path.iterdir() if e.name not in IGNORED_DIRS and not e.name.startswith(".")]
    return not any(e.is_dir() for e in entries) and any(
        e.suffix.lower() in SUBMISSION_SUFFIXES and named_after(e.name, stem) for e in entries)


def _from_folder(path: Path, stem: str, limits: IntakeLimits) -> list[Submission]:
    """A folder of student folders or of files (flat, or an unpacked Canvas download), or one student's folder."""
    if _one_students(path, stem):
        return [_choose(path.resolve().name, path, stem, limits)]
    subs: list[Submission] = []
    canvas: dict[str, list[Path]] = {}
    for entry in sorted(path.iterdir()):
        if entry.name in IGNORED_DIRS or entry.name.startswith("."):
            continue
        found = lms.canvas_file(entry.name)
        if entry.is_symlink():  # a student's folder or file that is a link: not followed at all
            sub = _unfollowed(entry.name if entry.is_dir() else entry.stem, entry)
            subs.append(_as_canvas(sub, entry.name) if found else sub)
        elif entry.is_dir():
            subs.append(_choose(entry.name, entry, stem, limits))
        elif entry.suffix.lower() in SUBMISSION_SUFFIXES and found:
            canvas.setdefault(found.user_id, []).append(entry)
        elif entry.suffix.lower() in SUBMISSION_SUFFIXES:
            subs.append(_timed(Submission(entry.stem, entry)))
    for files in canvas.values():  # an unpacked Canvas download
        chosen = pick(files, stem, key=lambda p: lms.original_name(p.name), newest=_mtime)
        note = _picked(len(files), lms.original_name(chosen.name)) if len(files) > 1 else ""
        subs.append(_timed(_as_canvas(Submission(chosen.name, chosen, note), chosen.name)))
    return subs


def _found_in(path: Path, stem: str, name: str, limits: IntakeLimits) -> list[Submission]:
    """The submissions under one path the TA gave (trusted: it may be a link)."""
    if path.is_file() and path.suffix.lower() == ".zip":
        export = _export_submissions(path, stem, limits)
        return export if export is not None else [_timed(Submission(path.stem, path.resolve()))]
    if path.is_file():
        return [_timed(Submission(path.stem, path.resolve()))]
    if (path / lms.GRADESCOPE_METADATA).is_file():
        try:
            text = read_file(path / lms.GRADESCOPE_METADATA, limits.file_bytes).decode("utf-8", "replace")
        except (OSError, Refused):
            text = ""
        handins = lms.gradescope_handins(text)
        return [sub for folder in sorted(path.iterdir()) if folder.name.startswith("submission_")
                and (folder.is_dir() or folder.is_symlink())
                for sub in _as_handin(_choose(folder.name, folder, stem, limits), handins.get(folder.name),
                                      str(folder))]
    if (path / "submitted").is_dir():
        subs = []
        for student_dir in sorted(p for p in (path / "submitted").iterdir() if p.is_dir() or p.is_symlink()):
            target = student_dir / name
            if student_dir.is_symlink():
                subs.append(_unfollowed(student_dir.name, student_dir))
            else:
                subs.append(_choose(student_dir.name, target if target.is_dir() or target.is_symlink()
                                    else student_dir, stem, limits))
        return subs
    if path.is_dir():
        return _from_folder(path, stem, limits)
    raise FileNotFoundError(f"{path}: no such file or folder")


def find_submissions(paths: list[str | Path], assignment_stem: str, assignment_name: str,
                     limits: IntakeLimits = DEFAULT) -> list[Submission]:
    """Every submission under ``paths``, each under its own safe id, in the order found.

    A path that does not exist raises FileNotFoundError before anything is read; anything wrong inside
    a path is a note for the student it belongs to.
    """
    subs = [sub for raw in paths for sub in _found_in(Path(raw), assignment_stem, assignment_name, limits)]
    return ids.apart(subs)
