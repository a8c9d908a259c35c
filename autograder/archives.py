"""Reading a student's zip archive without trusting it.

Everything here runs in the grader's own process on bytes a student chose,
so nothing is extracted to disk and nothing the archive declares is
believed: the directory's size is checked before ``zipfile`` parses it,
entries are inflated in capped chunks (a file cap, a compression-ratio cap
and one budget for the whole archive, nested archives included), and names
that would point outside the archive's folder, symbolic links and
compression methods that inflate without bound are skipped with a note.
Used by :mod:`autograder.extract` (one submitted file) and
:mod:`autograder.ingest` (an LMS export of many).
"""

from __future__ import annotations

import re
import stat
import zipfile
import zlib

from autograder.intake_limits import MiB, IntakeLimits, Refused

READ_CHUNK = 64 * 1024
RATIO_FREE_BYTES = 1 * MiB  # a small entry may compress as well as it likes
READABLE_COMPRESSION = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)  # bzip2/lzma inflate unbounded per chunk
DRIVE = re.compile(r"^[A-Za-z]:")


class Budget:
    """Bytes still allowed out of one student's archive, nested archives included."""

    def __init__(self, left: int):
        self.left = left


def unsafe_entry(name: str) -> str | None:
    """Why an archive entry's name would point outside the archive's folder, or None when it does not."""
    if "\\" in name:
        return "a backslash in its name"
    if name.startswith("/") or DRIVE.match(name):
        return "an absolute path"
    if ".." in name.split("/"):
        return "'..' in its path"
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        return "control characters in its name"
    return None


def unreadable_entry(info: zipfile.ZipInfo) -> str | None:
    """Why intake will not read an archive entry, or None when it may."""
    if why := unsafe_entry(info.filename):
        return why
    if stat.S_ISLNK(info.external_attr >> 16):
        return "it is a symbolic link"
    if info.compress_type not in READABLE_COMPRESSION:
        return "it is compressed with a method other than deflate"
    return None


def open_archive(file, limits: IntakeLimits) -> zipfile.ZipFile:
    """A zip (a path or a binary file) whose directory is small enough to parse; Refused or BadZipFile."""
    if hasattr(file, "read"):
        _check_directory(file, limits)
    else:
        with open(file, "rb") as fp:
            _check_directory(fp, limits)
    archive = zipfile.ZipFile(file)
    if len(archive.infolist()) > limits.archive_entries:  # the end record understated it
        archive.close()
        raise Refused(f"it holds more than {limits.archive_entries:,} entries")
    return archive


def _check_directory(fp, limits: IntakeLimits) -> None:
    """Refuse an archive whose end record declares too many entries or too large a directory."""
    end = zipfile._EndRecData(fp)  # what the directory holds, before zipfile parses all of it
    if end is None:
        raise zipfile.BadZipFile("File is not a zip file")
    if end[zipfile._ECD_ENTRIES_TOTAL] > limits.archive_entries or \
            end[zipfile._ECD_SIZE] > limits.archive_entries * 1024:
        raise Refused(f"it holds more than {limits.archive_entries:,} entries")


def usable_entries(archive: zipfile.ZipFile) -> tuple[list[zipfile.ZipInfo], list[tuple[str, str]]]:
    """The archive's files that intake may read, and (name, note) for each one skipped."""
    usable, notes = [], []
    for info in archive.infolist():
        if info.is_dir() or "__MACOSX" in info.filename:
            continue
        if why := unreadable_entry(info):
            notes.append((info.filename, f"skipped archive entry {info.filename!r}: {why}"))
        else:
            usable.append(info)
    return usable, notes


def read_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: IntakeLimits,
               budget: Budget | None = None) -> bytes:
    """An entry's bytes, inflated in chunks and refused as soon as they pass a limit (the sizes the
    archive declares are not trusted)."""
    cap = limits.file_bytes if budget is None else min(limits.file_bytes, budget.left)
    ratio_cap = max(RATIO_FREE_BYTES, limits.compression_ratio * info.compress_size)
    out = bytearray()
    try:
        with archive.open(info) as member:
            while chunk := member.read(READ_CHUNK):
                out += chunk
                if len(out) > cap:
                    raise Refused(f"{info.filename} inflates to more than {cap / MiB:g} MiB"
                                  + ("" if cap == limits.file_bytes else " (the archive's limit in all)"))
                if len(out) > ratio_cap:
                    raise Refused(f"{info.filename} is compressed more than {limits.compression_ratio}x "
                                  "(a zip bomb?)")
    except Refused:
        raise
    except (zipfile.BadZipFile, EOFError, OSError, RuntimeError, ValueError, NotImplementedError,
            zlib.error) as exc:  # a broken, encrypted or tampered entry
        raise Refused(f"{info.filename} could not be read ({exc})") from None
    if budget is not None:
        budget.left -= len(out)
    return bytes(out)
