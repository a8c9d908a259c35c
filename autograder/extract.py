"""From a submitted file to the Python source the sandbox loads.

A submission is a ``.py`` module, an ``.ipynb`` notebook (its code cells), or
a ``.zip`` holding one of them. Anything else, or anything broken, becomes
an :class:`Extracted` with ``source=None`` and a message for the student:
bad input never raises out of this module.

Notebooks are read as plain JSON rather than through nbformat: intake only
needs the code cells, must survive notebooks that nbformat would reject, and
must not pay nbformat's 2.3 s import on every ``check``.
Everything here reads student bytes in the grader's own process, so it is
bounded (:mod:`autograder.intake_limits`): a notebook's size, JSON nesting
and value count are checked on its text before ``json.loads``, then its
cells; archives are read in memory by :mod:`autograder.archives` (capped,
unsafe entries skipped), at most one archive inside another.
IPython magics and shell escapes are dropped line by line (or the whole
cell for a cell magic), each with a note; a cell that still does not parse is
dropped with a note naming the cell, so one broken cell costs only the
functions it defines. The code a Jupyter kernel has run (``grader.check`` in
a notebook, :mod:`autograder.notebook`) goes through the same steps
(:func:`from_cells`), cell by cell. Notes name a cell as the student sees it
(:mod:`autograder.places`): by its position among code cells and its first
line.
"""

from __future__ import annotations

import ast
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from itertools import accumulate
from pathlib import Path

from autograder import places
from autograder.archives import Budget, open_archive, read_entry, usable_entries
from autograder.intake_limits import DEFAULT, MiB, IntakeLimits, Refused
from autograder.sandbox.protocol import PLACE

SUFFIXES = (".py", ".ipynb")
HELP_LINE = re.compile(r"^[\w.\[\]()]+\?{1,2}\s*$")  # `np.zeros?`, `obj??`
JSON_ESCAPE = re.compile(r"\\.", re.DOTALL)
JSON_STRING = re.compile(r'"[^"]*"')  # once escapes are gone; no repeated group: constant memory in `re`
NOT_BRACKET = re.compile(r"[^\[\]{}]+")
DEPTH_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


@dataclass(frozen=True)
class Extracted:
    """The code to load, or why there is none; ``cells`` maps lines to notebook cells (none for a module)."""

    source: str | None
    filename: str
    notes: tuple[str, ...] = ()
    cells: tuple[places.Cell, ...] = field(default=())  # in order of their first lines

    @cached_property
    def _lines(self) -> list[str]:
        return (self.source or "").splitlines()

    def where(self, line: int, function: str | None = None, first: int | None = None) -> str:
        """A line of the loaded source as the student knows it (``places.describe``):
        'line 2 of code cell 3 (starting "x = 1")', or 'sigmoid, line 2 of the function, in code cell 4
        (starting "def sigmoid(z):")'; in a module, 'sigmoid, line 14 of the file'."""
        return places.describe(line, self.cells, self._lines, function, first)

    def locate(self, text: str) -> str:
        """Every place marker the sandbox wrote into a message (``protocol.place``), in the student's terms."""
        return PLACE.sub(lambda m: self.where(int(m[1]), m[2], int(m[3]) if m[3] else None), text)


def extract(name: str, data: bytes, expected_stem: str, limits: IntakeLimits = DEFAULT) -> Extracted:
    """The code inside a submitted file called ``name`` with content ``data``; never raises."""
    try:
        return _extract(name, data, expected_stem, limits, Budget(limits.archive_bytes), 0)
    except Refused as exc:
        return Extracted(None, name, (str(exc),))
    except (MemoryError, RecursionError):
        return Extracted(None, name, (f"{name} is too large or too deeply nested to read",))
    except Exception as exc:  # a gap in the checks below must not become a grader fault
        return Extracted(None, name, (f"{name} could not be read ({type(exc).__name__}: {exc})",))


def _extract(name: str, data: bytes, expected_stem: str, limits: IntakeLimits, budget: Budget,
             depth: int) -> Extracted:
    suffix = Path(name).suffix.lower()
    if suffix == ".zip":
        return _from_zip(name, data, expected_stem, limits, budget, depth)
    if suffix == ".py":
        return _from_python(name, data, limits)
    if suffix == ".ipynb":
        return _from_notebook(name, data, limits)
    return Extracted(None, name, (f"{name} is not a .py, .ipynb or .zip file; submit {expected_stem}.ipynb "
                                  f"or {expected_stem}.py",))


def _decode(name: str, data: bytes, cap: int) -> tuple[str | None, str | None]:
    if len(data) > cap:
        return None, f"{name} is larger than {cap / MiB:g} MiB; is it the right file?"
    if b"\x00" in data:
        return None, f"{name} is not a text file (it contains binary data)"
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        return None, f"{name} is not UTF-8 text; save it as UTF-8"


def _from_python(name: str, data: bytes, limits: IntakeLimits) -> Extracted:
    text, problem = _decode(name, data, limits.source_bytes)
    if problem:
        return Extracted(None, name, (problem,))
    if not text.strip():
        return Extracted(None, name, (f"{name} is empty",))
    return Extracted(text, name)


def _json_shape(name: str, text: str, limits: IntakeLimits) -> None:
    """Refuse JSON too deep or with too many values, from its text alone (before ``json.loads``)."""
    bare = JSON_STRING.sub("0", JSON_ESCAPE.sub("", text))  # brackets and commas inside strings do not count
    values = bare.count(",") + bare.count("[") + bare.count("{") + 1
    if values > limits.json_values:
        raise Refused(f"{name} is not a notebook intake will read: it holds more than {limits.json_values:,} "
                      "JSON values. Clear its outputs (Kernel > Restart & Clear Output) and submit it again.")
    brackets = NOT_BRACKET.sub("", bare)
    if max(accumulate(map(DEPTH_STEP.__getitem__, brackets)), default=0) > limits.json_depth:
        raise Refused(f"{name} is not a notebook intake will read: its JSON is nested more than "
                      f"{limits.json_depth} levels deep. Was it saved by Jupyter?")


def _cell_code(label: str, src, limits: IntakeLimits) -> tuple[str | None, str | None]:
    """A code cell's source as one string, or why the cell is skipped."""
    if isinstance(src, list):
        if not all(isinstance(line, str) for line in src):
            return None, f"{label}: its source is not text; the cell was skipped"
        src = "".join(src)
    if not isinstance(src, str):
        return None, f"{label}: its source is not text; the cell was skipped"
    try:
        size = len(src.encode("utf-8"))
    except UnicodeEncodeError:
        return None, f"{label}: its source holds characters that are not valid Unicode; the cell was skipped"
    if size > limits.cell_source_bytes:
        return None, f"{label}: its source is larger than {limits.cell_source_bytes / MiB:g} MiB; skipped"
    return src, None


def notebook_cells(name: str, data: bytes, limits: IntakeLimits) -> tuple[list, str | None]:
    """A notebook's cells as parsed JSON (each still to be checked for type), or why it cannot be read;
    Refused when it is too deep or too large to parse at all."""
    text, problem = _decode(name, data, limits.file_bytes)
    if problem:
        return [], problem
    _json_shape(name, text, limits)
    try:
        nb = json.loads(text)
    except (ValueError, RecursionError) as exc:
        return [], (f"{name} is not a valid notebook: it is not JSON ({exc}). "
                    "Was it saved completely? Try re-downloading it from Jupyter.")
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list):
        return [], f"{name} is not a valid notebook: it has no list of cells"
    if len(cells) > limits.notebook_cells:
        return [], f"{name} has {len(cells):,} cells, more than the {limits.notebook_cells:,} intake reads; " \
                   "is it the right file?"
    return cells, None


def _from_notebook(name: str, data: bytes, limits: IntakeLimits) -> Extracted:
    cells, problem = notebook_cells(name, data, limits)
    if problem:
        return Extracted(None, name, (problem,))
    code_cells = [c.get("source", "") for c in cells if isinstance(c, dict) and c.get("cell_type") == "code"]
    if not code_cells:
        return Extracted(None, name, (f"{name} has no code cells",))
    return from_cells(name, [(f"code cell {n}", src) for n, src in enumerate(code_cells, start=1)], limits)


def from_cells(name: str, cells: list[tuple[str, object]], limits: IntakeLimits = DEFAULT) -> Extracted:
    """The code of ``cells``, (label, source) pairs in the order they run, as one module; never raises.

    ``label`` names the cell in notes and messages ("code cell 3"; "cell [12]"
    for the kernel's history). Each cell is checked, stripped of IPython-only
    lines and parsed on its own; one that cannot be read or parsed is skipped
    with a note.
    """
    if len(cells) > limits.notebook_cells:
        return Extracted(None, name, (f"{name} has {len(cells):,} cells, more than the {limits.notebook_cells:,} "
                                      "intake reads; is it the right file?",))
    lines: list[str] = []
    starts: list[places.Cell] = []
    notes: list[str] = []
    for label, raw in cells:
        src, problem = _cell_code(label, raw, limits)
        if problem:
            notes.append(problem)
            continue
        cell = places.Cell(len(lines) + 1, label, places.first_line(src))
        code, dropped = _strip_ipython(src)
        if dropped:
            notes.append(f"{cell}: skipped IPython-only line(s) {', '.join(dropped)}")
        if not code.strip():
            continue
        try:
            _check_syntax(code)
        except SyntaxError as exc:
            at = f", line {exc.lineno} of the cell" if exc.lineno else ""
            notes.append(f"syntax error in {cell}{at}: {exc.msg}; the cell was skipped")
            continue
        except ValueError as exc:  # null bytes
            notes.append(f"{cell}: {exc}; the cell was skipped")
            continue
        starts.append(cell)
        lines.extend(code.splitlines())
        lines.append("")
    if not lines:
        return Extracted(None, name, tuple(notes) + (f"{name} has no runnable code",))
    source = "\n".join(lines) + "\n"
    if len(source.encode("utf-8")) > limits.source_bytes:
        return Extracted(None, name, tuple(notes) + (f"{name} holds more than {limits.source_bytes / MiB:g} MiB "
                                                     "of code; is it the right file?",))
    return Extracted(source, name, tuple(notes), tuple(starts))


# A batch parses the same cells for every student (the release's, unchanged in most notebooks): a cell that
# parsed once is not parsed again. Only small cells are remembered, so the memory is bounded whatever students
# send: at most 1,024 cells of 8,192 characters (32 MiB at 4 bytes a character).
SYNTAX_KEPT_CELLS = 1024
SYNTAX_KEPT_CHARS = 8192


def _check_syntax(code: str) -> None:
    """SyntaxError (or ValueError, for null bytes) when ``code`` does not parse."""
    if len(code) <= SYNTAX_KEPT_CHARS:
        _parses(code)
    else:
        ast.parse(code)


@lru_cache(maxsize=SYNTAX_KEPT_CELLS)
def _parses(code: str) -> bool:
    ast.parse(code)  # a failure raises, and lru_cache keeps no answer for it
    return True


def _strip_ipython(src: str) -> tuple[str, list[str]]:
    """Blank out magics, shell escapes and help lines, keeping line numbers."""
    out, dropped = [], []
    raw = src.splitlines()
    if raw and raw[0].lstrip().startswith("%%"):
        return "", [f"1-{len(raw)} (cell magic {raw[0].split()[0]})"]
    for i, line in enumerate(raw, start=1):
        stripped = line.lstrip()
        if stripped.startswith(("%", "!")) or HELP_LINE.match(stripped):
            indent = line[: len(line) - len(stripped)]
            out.append(indent + "pass" if indent else "")
            dropped.append(str(i))
        else:
            out.append(line)
    return "\n".join(out), dropped


def _from_zip(name: str, data: bytes, expected_stem: str, limits: IntakeLimits, budget: Budget,
              depth: int) -> Extracted:
    try:
        archive = open_archive(io.BytesIO(data), limits)
    except Refused as exc:
        return Extracted(None, name, (f"{name} was not opened: {exc}",))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        return Extracted(None, name, (f"{name} is not a readable zip file ({exc})",))
    with archive:
        members, skipped = usable_entries(archive)
        skipped = [note for _, note in skipped]
        candidates = [m for m in members if Path(m.filename).suffix.lower() in SUFFIXES]
        inner = [m for m in members if Path(m.filename).suffix.lower() == ".zip"]
        if not candidates and inner and depth >= limits.nested_archives:
            return Extracted(None, name, tuple(skipped) + (
                f"{name} holds no .py or .ipynb file, only a zip inside a zip, nested deeper than intake "
                f"opens ({limits.nested_archives} level(s)); submit the .ipynb or .py itself",))
        candidates = candidates or inner
        if not candidates:
            return Extracted(None, name, tuple(skipped) + (f"{name} holds no .py or .ipynb file",))
        chosen = pick(candidates, expected_stem, key=lambda m: Path(m.filename).name,
                      newest=lambda m: m.date_time)
        try:
            data = read_entry(archive, chosen, limits, budget)
        except Refused as exc:
            return Extracted(None, name, tuple(skipped) + (f"{exc} (in {name}); nothing was graded",))
    found = _extract(Path(chosen.filename).name, data, expected_stem, limits, budget, depth + 1)
    note = f"graded {chosen.filename} from {name}" + (f" ({len(candidates)} candidates)" if len(candidates) > 1 else "")
    return Extracted(found.source, found.filename, (note,) + tuple(skipped) + found.notes, found.cells)


def pick(candidates: list, stem: str, key, newest):
    """Which of one student's files is graded: a notebook beats a module, a module beats a zip; among
    files of that kind, those named after the assignment (renamed copies such as ``<stem> (1).ipynb``,
    ``<stem>-1.ipynb`` or ``<stem>_v2.ipynb`` included) before any other; and of those, the newest.

    ``key(c)`` is a candidate's file name, ``newest(c)`` its time (the LMS's submission time where the
    export records it, else the modification time).
    """
    for suffix in (".ipynb", ".py", ".zip"):
        kind = [c for c in candidates if key(c).lower().endswith(suffix)]
        if kind:
            named = [c for c in kind if named_after(key(c), stem)]
            return max(named or kind, key=newest)
    return max(candidates, key=newest)


def named_after(filename: str, stem: str) -> bool:
    """``filename`` (with its suffix) is ``stem`` or a renamed copy of it: ``stem (1)``, ``stem-2``,
    ``stem_v3``, ``stem copy``."""
    name = filename.rsplit(".", 1)[0] if "." in filename else filename
    return re.fullmatch(re.escape(stem.lower()) + r"(?:[ _-]*(?:\(\d+\)|\d+|v\d+|copy|final))*", name.lower()) is not None
