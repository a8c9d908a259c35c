"""What an LMS export says about who handed in what.

Two exports are read (course-operations.md, Identity):

- a Canvas download names each file ``<sortable name>[_LATE]_<user id>_
  <submission id>_<file name>``: the user id is the student's id, the
  sortable name (``lovelaceada``) their display name, ``_LATE`` Canvas's own
  late marker. Two students with the same name have different user ids, so
  they never merge.
- a Gradescope export has ``submission_metadata.yml`` at its root: for each
  ``submission_<id>/`` folder its submitters (name, sid, e-mail; several for
  a group) and when it was handed in.

Everything here is parsed from text a student could have shaped (their
Canvas name, their Gradescope profile): values are checked for type, cut to
a length, and never used as paths (ingest makes every id a safe folder name).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

CANVAS_NAME = re.compile(r"^(?P<login>[A-Za-z0-9.\-]+?)(?P<late>_LATE)?_(?P<user>\d+)_(?P<sub>\d+)_(?P<file>.+)$")
GRADESCOPE_METADATA = "submission_metadata.yml"
FIELD_CHARS = 200  # a name or e-mail longer than this is cut: a line in a table, not a document


@dataclass(frozen=True)
class Submitter:
    """One submitter as an export names them; ``id`` is what they are filed under."""

    id: str
    name: str = ""
    email: str = ""
    lms_id: str = ""


@dataclass(frozen=True)
class Handin:
    """One Gradescope submission: who handed it in (several for a group) and when (ISO, '' if unknown)."""

    people: tuple[Submitter, ...]
    submitted_at: str = ""


@dataclass(frozen=True)
class CanvasFile:
    user_id: str
    name: str  # Canvas's sortable name, e.g. 'lovelaceada'
    late: bool
    original: str  # the file name the student uploaded (Canvas may add -1, -2 to a resubmission)


def canvas_file(name: str) -> CanvasFile | None:
    """What a Canvas download's file name says, or None when it is not one."""
    match = CANVAS_NAME.match(name)
    if not match:
        return None
    return CanvasFile(match.group("user"), match.group("login"), bool(match.group("late")), match.group("file"))


def original_name(name: str) -> str:
    """A file name without what Canvas put in front of it."""
    found = canvas_file(name)
    return found.original if found else name


def _text(value) -> str:
    return str(value).strip()[:FIELD_CHARS] if isinstance(value, (str, int)) and not isinstance(value, bool) else ""


def _time(value) -> str:
    """An ISO time from what YAML made of ``:created_at`` (a datetime, or a string); '' when it is neither."""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value.strip()[:64]).isoformat()
        except ValueError:
            return ""
    return ""


def gradescope_handins(metadata_text: str) -> dict[str, Handin]:
    """``submission_<id>`` -> its Handin, from Gradescope's metadata; entries that say nothing usable are left
    out (their folder is then filed under its own name)."""
    try:
        data = yaml.safe_load(metadata_text) or {}
    except Exception:  # YAMLError, or a RecursionError from hostile nesting
        return {}
    out = {}
    for key, entry in data.items() if isinstance(data, dict) else []:
        if not isinstance(entry, dict):
            continue
        submitters = entry.get(":submitters") or entry.get("submitters")
        people = []
        for p in submitters if isinstance(submitters, list) else []:
            if not isinstance(p, dict):
                continue
            sid, email, name = _text(p.get(":sid")), _text(p.get(":email")), _text(p.get(":name"))
            if sid or email or name:
                people.append(Submitter(sid or email or name, name, email, sid))
        if people:
            out[str(key)] = Handin(tuple(dict.fromkeys(people)), _time(entry.get(":created_at")))
    return out


def root_metadata(names) -> str | None:
    """The export's own metadata: at its root or in its one top folder, never inside a student's folder."""
    metas = [n for n in names if Path(n).name == GRADESCOPE_METADATA and len(Path(n).parts) <= 2
             and not any(p.startswith("submission_") for p in Path(n).parts[:-1])]
    return min(metas, key=lambda n: (len(Path(n).parts), n), default=None)
