"""Finding submissions under the paths a TA gives.

Layouts (grading.md): one submission file; a folder with one sub-folder per
student (``<student>/<anything>.py|.ipynb|.zip``, searched recursively);
nbgrader's ``submitted/<student>/<assignment>/``; a flat folder of files
named after students. Course exports too, as the zip a TA downloads or
unpacked: Gradescope's (``submission_metadata.yml`` names the student of
each ``submission_<id>/`` folder) and Canvas's (``<login>[_LATE]_<user id>_
<submission id>_<file name>``). When a student has several candidates,
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
folder name under OUT (:func:`safe_id`), two students never share one, and
the name as found is kept in ``display``.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import unicodedata
import zipfile
from collections import deque
from dataclasses import dataclass, replace
from itertools import islice
from pathlib import Path

import yaml

from autograder.extract import open_archive, pick, read_entry, unreadable_entry, usable_entries
from autograder.intake_limits import DEFAULT, MiB, IntakeLimits, Refused

SUBMISSION_SUFFIXES = (".py", ".ipynb", ".zip")
IGNORED_DIRS = {".ipynb_checkpoints", "__pycache__", "__MACOSX", ".git"}
CANVAS_NAME = re.compile(r"^(?P<login>[A-Za-z0-9.\-]+?)(?:_LATE)?_(?P<user>\d+)_(?P<sub>\d+)_(?P<file>.+)$")
GRADESCOPE_METADATA = "submission_metadata.yml"
ID_MAX_CHARS = 64  # a folder name that fits in any path; longer ids are cut and end in a hash of the name
ID_PUNCTUATION = set("@._-+")  # besides letters, digits and combining marks
RESERVED_IDS = ("gradebook", "summary")  # OUT's own files: gradebook.csv, gradebook.sqlite(-wal), summary.html
WINDOWS_DEVICES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


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


def readable(name: str) -> str:
    """``name`` with what is not valid Unicode (the undecodable bytes of a file name) as U+FFFD."""
    return name.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def safe_id(name: str) -> str:
    """A student id that is one harmless folder name under OUT on any system, from a name as found.

    NFC-normalised; letters, digits, marks and ``@._-+`` kept, every run of anything else (separators,
    control and format characters such as U+202E, spaces, symbols) one ``_``; no leading or trailing dot;
    never one of OUT's own names or a Windows device; at most ID_MAX_CHARS, a cut id ending in a hash of
    the whole name so that two long names stay apart. Idempotent: a safe id is its own safe id.
    """
    text = unicodedata.normalize("NFC", readable(name))
    out: list[str] = []
    for c in text:
        if c in ID_PUNCTUATION or unicodedata.category(c)[0] in "LNM":
            out.append(c)
        elif not out or out[-1] != "\0":
            out.append("\0")
    safe = re.sub(r"^\.+|\.+$", lambda m: "_" * len(m.group()), "".join(out).replace("\0", "_")) or "_"
    if safe.casefold().startswith(RESERVED_IDS) or safe.casefold().split(".")[0] in WINDOWS_DEVICES:
        safe = "_" + safe
    if len(safe) > ID_MAX_CHARS:
        safe = safe[:ID_MAX_CHARS - 9] + "-" + hashlib.sha256(text.encode()).hexdigest()[:8]
    return safe


def _original_name(name: str) -> str:
    """A Canvas download's file name without the login and ids Canvas put in front."""
    match = CANVAS_NAME.match(name)
    return match.group("file") if match else name


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
    chosen = pick(candidates, stem, key=lambda p: p.name, newest=lambda p: p.stat().st_mtime)
    note = [f"{len(candidates)} files found; graded {chosen.relative_to(root)}"] if len(candidates) > 1 else []
    return Submission(student, chosen, "; ".join(skipped + note))


def _gradescope_students(metadata_text: str) -> dict[str, str]:
    """``submission_<id>`` -> student id as found (sid, else e-mail, else name) from Gradescope's metadata."""
    try:
        data = yaml.safe_load(metadata_text) or {}
    except Exception:  # YAMLError, or a RecursionError from hostile nesting
        return {}
    out = {}
    for key, entry in data.items() if isinstance(data, dict) else []:
        submitters = (entry.get(":submitters") or entry.get("submitters")) if isinstance(entry, dict) else None
        people = [p for p in submitters if isinstance(p, dict)] if isinstance(submitters, list) else []
        ids = [str(p.get(":sid") or p.get(":email") or p.get(":name") or "").strip() for p in people]
        ids = [i for i in ids if i]
        if ids:
            out[str(key)] = "+".join(ids)  # a group submission is graded once, for all its members
    return out


def _root_metadata(names) -> str | None:
    """The export's own metadata: at its root or in its one top folder, never inside a student's folder."""
    metas = [n for n in names if Path(n).name == GRADESCOPE_METADATA and len(Path(n).parts) <= 2
             and not any(p.startswith("submission_") for p in Path(n).parts[:-1])]
    return min(metas, key=lambda n: (len(Path(n).parts), n), default=None)


def _export_submissions(zip_path: Path, stem: str, limits: IntakeLimits) -> list[Submission] | None:
    """The submissions of a Gradescope or Canvas export zip; None when it is one student's zip."""
    try:
        with open_archive(zip_path, limits) as archive:
            usable, skipped = usable_entries(archive)
            infos = {i.filename: i for i in usable}
            meta = _root_metadata(infos)
            meta_text = read_entry(archive, infos[meta], limits).decode("utf-8", "replace") if meta else ""
    except Refused as exc:
        return [Submission(zip_path.stem, None, f"{zip_path.name} was not opened: {exc}")]
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):  # one student's broken zip: extract says so
        return None
    names = list(infos)
    newest = lambda m: infos[m].date_time  # noqa: E731
    if meta:
        students = _gradescope_students(meta_text)
        base = Path(meta).parent.parts

        def student_of(m):
            parts = Path(m).parts
            if parts[:len(base)] != base or len(parts) < len(base) + 2 \
                    or not parts[len(base)].startswith("submission_"):
                return None
            return students.get(parts[len(base)], parts[len(base)])
    elif names and all(CANVAS_NAME.match(Path(n).name) for n in names if Path(n).suffix.lower() in SUBMISSION_SUFFIXES):
        def student_of(m):
            match = CANVAS_NAME.match(Path(m).name)
            return match.group("login") if match else None
    else:
        return None
    unsafe: dict[str, list[str]] = {}
    for name, note in skipped:  # told to the student whose folder the entry claims to be in
        if Path(name).suffix.lower() in SUBMISSION_SUFFIXES and student_of(name):
            unsafe.setdefault(student_of(name), []).append(note)
    groups = _from_members(names, student_of)
    subs = []
    for student in sorted(set(groups) | set(unsafe)):
        members, notes = groups.get(student, []), unsafe.get(student, [])
        if not members:
            subs.append(Submission(student, None, "; ".join(notes)))
            continue
        chosen = pick(members, stem, key=lambda m: _original_name(Path(m).name), newest=newest)
        if len(members) > 1:
            notes = notes + [f"{len(members)} files found; graded {_original_name(Path(chosen).name)}"]
        subs.append(Submission(student, zip_path, "; ".join(notes), chosen))
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


def _from_folder(path: Path, stem: str, limits: IntakeLimits) -> list[Submission]:
    """A folder of student folders or of files (flat, or an unpacked Canvas download)."""
    subs: list[Submission] = []
    canvas: dict[str, list[Path]] = {}
    for entry in sorted(path.iterdir()):
        if entry.name in IGNORED_DIRS or entry.name.startswith("."):
            continue
        login = CANVAS_NAME.match(entry.name)
        if entry.is_symlink():  # a student's folder or file that is a link: not followed at all
            subs.append(_unfollowed(login.group("login") if login else entry.name if entry.is_dir() else entry.stem,
                                    entry))
        elif entry.is_dir():
            subs.append(_choose(entry.name, entry, stem, limits))
        elif entry.suffix.lower() in SUBMISSION_SUFFIXES and login:
            canvas.setdefault(login.group("login"), []).append(entry)
        elif entry.suffix.lower() in SUBMISSION_SUFFIXES:
            subs.append(Submission(entry.stem, entry))
    for login, files in sorted(canvas.items()):  # an unpacked Canvas download
        chosen = pick(files, stem, key=lambda p: _original_name(p.name), newest=lambda p: p.stat().st_mtime)
        subs.append(Submission(login, chosen, f"{len(files)} files found; graded {_original_name(chosen.name)}"
                               if len(files) > 1 else ""))
    return subs


def _found_in(path: Path, stem: str, name: str, limits: IntakeLimits) -> list[Submission]:
    """The submissions under one path the TA gave (trusted: it may be a link)."""
    if path.is_file() and path.suffix.lower() == ".zip":
        export = _export_submissions(path, stem, limits)
        return export if export is not None else [Submission(path.stem, path.resolve())]
    if path.is_file():
        return [Submission(path.stem, path.resolve())]
    if (path / GRADESCOPE_METADATA).is_file():
        try:
            text = read_file(path / GRADESCOPE_METADATA, limits.file_bytes).decode("utf-8", "replace")
        except (OSError, Refused):
            text = ""
        students = _gradescope_students(text)
        return [_choose(students.get(folder.name, folder.name), folder, stem, limits)
                for folder in sorted(path.iterdir()) if folder.name.startswith("submission_")
                and (folder.is_dir() or folder.is_symlink())]
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
    return _apart(subs)


def _apart(subs: list[Submission]) -> list[Submission]:
    """Each submission under ``safe_id`` of its name, ``display`` the name as found; ids that coincide
    (case aside: OUT may be on a case-insensitive disk) get -2, -3, ... in the order of the names as found,
    then of the paths, whatever the order of discovery."""
    ids = [safe_id(s.student) for s in subs]
    taken = {i.casefold() for i in ids}
    used: set[str] = set()
    out: list[Submission | None] = [None] * len(subs)
    order = sorted(range(len(subs)), key=lambda k: (ids[k].casefold(), readable(subs[k].student),
                                                    str(subs[k].path), subs[k].member or ""))
    for k in order:
        key, n = ids[k], 2
        while key.casefold() in used or (key != ids[k] and key.casefold() in taken):  # not another's own id
            suffix = f"-{n}"
            key, n = ids[k][:ID_MAX_CHARS - len(suffix)] + suffix, n + 1
        used.add(key.casefold())
        out[k] = replace(subs[k], student=key, display=readable(subs[k].display or subs[k].student))
    return out
