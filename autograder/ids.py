"""Student ids: one harmless folder name per student, never two students under one.

An id comes from something a student could have shaped (a folder name, a
Canvas name, a Gradescope sid), so :func:`safe_id` makes it a folder name
that is safe under OUT on any system, and :func:`apart` keeps submissions
whose ids coincide apart (``-2``, ``-3``...) and says so in their notes;
it also tells each member of a group submission the ids of the others.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import replace

ID_MAX_CHARS = 64  # a folder name that fits in any path; longer ids are cut and end in a hash of the name
ID_PUNCTUATION = set("@._-+")  # besides letters, digits and combining marks
RESERVED_IDS = ("gradebook", "summary", "similarity.html")  # OUT's own files: gradebook.csv, gradebook.sqlite(-wal),
# summary.html, similarity.html
WINDOWS_DEVICES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


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


def apart(subs: list) -> list:
    """Each submission under ``safe_id`` of its name, ``display`` the name as found; ids that coincide
    (case aside: OUT may be on a case-insensitive disk) get -2, -3, ... in the order of the names as found,
    then of the paths, whatever the order of discovery."""
    ids = [safe_id(s.student) for s in subs]
    taken = {i.casefold() for i in ids}
    used: set[str] = set()
    out: list = [None] * len(subs)
    order = sorted(range(len(subs)), key=lambda k: (ids[k].casefold(), readable(subs[k].student),
                                                    str(subs[k].path), subs[k].member or ""))
    for k in order:
        key, n = ids[k], 2
        while key.casefold() in used or (key != ids[k] and key.casefold() in taken):  # not another's own id
            suffix = f"-{n}"
            key, n = ids[k][:ID_MAX_CHARS - len(suffix)] + suffix, n + 1
        used.add(key.casefold())
        out[k] = replace(subs[k], student=key, display=readable(subs[k].display or subs[k].student))
    return _members(_clashes(out, ids))


def _clashes(subs: list, ids: list[str]) -> list:
    """Submissions that came under one name are kept apart (never merged): each says so in its notes and
    ``clash``, which the batch prints, so a TA checks whether they are one student or several."""
    by_id: dict[str, list[int]] = {}
    for k, i in enumerate(ids):
        by_id.setdefault(i.casefold(), []).append(k)
    for same in (v for v in by_id.values() if len(v) > 1):
        filed = ", ".join(subs[k].student for k in same)
        for k in same:
            why = (f"{len(same)} submissions came under the name {subs[k].display!r}; they are kept apart as "
                   f"{filed} (this one: {subs[k].student}, from {subs[k].name})")
            subs[k] = replace(subs[k], note="; ".join(filter(None, (subs[k].note, why))), clash=why)
    return subs


def _members(subs: list) -> list:
    """Each member of a group submission knows the ids of the whole group."""
    groups: dict[str, list[str]] = {}
    for sub in subs:
        if sub.group:
            groups.setdefault(sub.group, []).append(sub.student)
    return [replace(s, members=tuple(groups[s.group])) if s.group else s for s in subs]
