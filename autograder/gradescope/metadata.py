"""Who submitted, from Gradescope's ``submission_metadata.json``, read as hostile input.

The file is Gradescope's, but names, e-mails and the previous submissions'
results in it are typed by people, and a wrong guess about its shape must
not cost a student their grade: it is read with a size cap, any failure to
parse or any unexpected type means "no metadata", and every value kept is a
short, clean string. The grade never depends on it; only the id and name
written beside the grade do.

A student's id follows the batch grader's rule for a Gradescope export
(``ingest``): the student id (sid) where the course set one, else the
e-mail, else the name; a group's members joined with ``+``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from autograder import safe
from autograder.ids import readable, safe_id
from autograder.ingest import read_file
from autograder.intake_limits import MiB, Refused

FILE_NAME = "submission_metadata.json"
MAX_BYTES = 16 * MiB  # previous submissions' results make it grow with every resubmission
MAX_USERS = 32  # a group; beyond this the list is not a group
MAX_CHARS = 200  # one id, name or time


@dataclass(frozen=True)
class Submitter:
    student: str  # a safe id (``ingest.safe_id``)
    display: str  # the names, for people
    submitted_at: str = ""  # ISO 8601, as Gradescope recorded it; '' when absent or not a time


def read(root: Path) -> Submitter | None:
    """The submitters named in ``root/submission_metadata.json``; None when it is absent or unusable."""
    try:
        data = json.loads(read_file(root / FILE_NAME, MAX_BYTES).decode("utf-8"))
    except (OSError, Refused, ValueError, RecursionError, MemoryError):  # ValueError: bad UTF-8 or JSON
        return None
    return parse(data)


def parse(data) -> Submitter | None:
    """The submitters in already-decoded metadata of any shape."""
    users = data.get("users") if isinstance(data, dict) else None
    if not isinstance(users, list):
        return None
    ids, names = [], []
    for user in users[:MAX_USERS]:
        if not isinstance(user, dict):
            continue
        key = _text(user.get("sid")) or _text(user.get("email")) or _text(user.get("name"))
        if key:
            ids.append(key)
            names.append(_text(user.get("name")) or key)
    if not ids:
        return None
    return Submitter(safe_id("+".join(ids)), ", ".join(names), _time(data.get("created_at")))


def _text(value) -> str:
    """A short, printable string from a JSON string or integer; '' from anything else."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return ""
    text = value if isinstance(value, str) else str(value) if abs(value) < 10 ** 30 else ""
    return safe.clean(readable(text)).strip()[:MAX_CHARS]


def _time(value) -> str:
    text = _text(value)
    try:
        return datetime.fromisoformat(text).isoformat() if text else ""
    except ValueError:
        return ""
