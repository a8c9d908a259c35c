"""How much of a submission intake reads before it refuses: the one set of default limits.

Everything intake reads comes from students (file and folder names, archive
entries, notebook JSON), and it is read in the grader's own, unsandboxed
process; these limits bound the time and memory that reading may take. An
assignment overrides them under ``intake:`` in its ``assignment.yaml`` (read
by :mod:`autograder.config`). A submission over a limit is refused with a
message for that student (:class:`Refused`), never a grader fault. Leaf
module, like :mod:`autograder.budgets`.
"""

from __future__ import annotations

from dataclasses import dataclass

MiB = 1024 * 1024


class Refused(ValueError):
    """A submission, or a part of one, that intake will not read; the message is for the student."""


@dataclass(frozen=True)
class IntakeLimits:
    """Caps on what intake reads; every default leaves a wide margin above real coursework."""

    # One file, read from disk or out of an archive, counted on the bytes actually read. A notebook with
    # a few dozen embedded plots is 5-10 MB; a model checkpoint is not a submission.
    file_bytes: int = 20 * MiB
    # The Python source itself (a .py, or a notebook's code cells joined): 5 MiB is over 100,000 lines.
    source_bytes: int = 5 * MiB
    # Entries in one archive (a student's zip or a whole course export), checked before the archive's
    # directory is parsed: an export of 1,000 students with 20 files each still fits.
    archive_entries: int = 20_000
    # Bytes inflated out of one student's archive, nested archive included: two files at file_bytes.
    archive_bytes: int = 40 * MiB
    # Inflated / compressed size of an archive entry, once it is past 1 MiB: text and notebook JSON
    # compress 3-20x, a zip bomb of zeros about 1000x.
    compression_ratio: int = 100
    # Archives inside an archive: a zip holding the zip of a folder is common, deeper is not.
    nested_archives: int = 1
    # Entries (files and folders) visited in one student's folder, breadth first, so the files at the
    # top are seen before a bundled virtualenv or dataset exhausts the count.
    folder_entries: int = 10_000
    # A notebook, checked on its text before it is parsed: nesting of JSON arrays and objects (nbformat
    # needs under 10; widget metadata a few more), and JSON values in all (a notebook with long printed
    # training logs has some 100,000).
    json_depth: int = 64
    json_values: int = 500_000
    # Then on the parsed notebook: cells (a long notebook has a few hundred) and one cell's source.
    notebook_cells: int = 10_000
    cell_source_bytes: int = 1 * MiB


DEFAULT = IntakeLimits()
