"""Places in a submission, in the words of what the student sees.

The sandbox loads one source made of a notebook's code cells (or a module's
text) and knows nothing but its line numbers. A student sees something else:
code cells, counted from the top of the notebook (markdown cells do not
count) or, for code the kernel ran, by the number Jupyter shows beside the
cell; and functions, whose lines they count from the ``def``. This module
turns a line of the loaded source, inside a function or not, into those
terms; :class:`autograder.extract.Extracted` holds the map from lines to
cells and applies it to every place marker (``protocol.place``) in a
message, so that "line 14" in a student's own exception text is left alone.

A cell's first line is the student's text: it is cleaned of control and
direction characters (``safe.clean``) and shortened before it goes into any
message.
"""

from __future__ import annotations

from dataclasses import dataclass

from autograder import safe

START_CHARS = 40  # of a cell's first line, in a message
MAX_DECORATORS = 20  # lines of decorators looked past to find a ``def``


@dataclass(frozen=True)
class Cell:
    """A cell whose code starts at line ``first`` of the loaded source."""

    first: int
    label: str  # "code cell 3", or "cell [12]" for the kernel's history
    start: str = ""  # its first non-blank line, cleaned and shortened

    def __str__(self) -> str:
        return f'{self.label} (starting "{self.start}")' if self.start else self.label


def first_line(code: str) -> str:
    """A cell's first non-blank line, fit for a message: one line, clean, at most START_CHARS characters."""
    for line in code.splitlines():
        if line.strip():
            text = safe.clean(" ".join(line.split()))
            return text if len(text) <= START_CHARS else text[:START_CHARS - 3].rstrip() + "..."
    return ""


def cell_of(cells: tuple[Cell, ...], line: int) -> Cell | None:
    """The cell holding ``line`` of the loaded source (None before the first one)."""
    found = None
    for cell in cells:
        if cell.first > line:
            break
        found = cell
    return found


def describe(line: int, cells: tuple[Cell, ...], lines: list[str], function: str | None = None,
             first: int | None = None) -> str:
    """Line ``line`` of the loaded source as the student knows it.

    ``lines`` is the loaded source, split; ``function`` the function the line
    is in, whose code starts at line ``first`` (its first decorator, if it has
    one: Python's ``co_firstlineno``). The line within a function counts its
    ``def`` line as line 1.
    """
    start = _def_line(lines, first) if function and first else None
    if not cells:  # a module: its own line numbers
        return f"{function}, line {line} of the file" if function else f"line {line}"
    cell = cell_of(cells, line)
    if cell is None:
        return f"line {line}"
    if start is not None and cell.first <= start <= line:
        return f"{function}, line {line - start + 1} of the function, in {cell}"
    where = f"line {line - cell.first + 1} of {cell}"
    return f"{function}, {where}" if function else where


def _def_line(lines: list[str], first: int) -> int:
    """The ``def`` (or ``lambda``) line of a function whose code starts at ``first``, past its decorators."""
    line = first
    while line - first < MAX_DECORATORS and 0 < line <= len(lines) and lines[line - 1].lstrip().startswith("@"):
        line += 1
    return line
