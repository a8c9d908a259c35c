"""From a submitted file to the Python source the sandbox loads.

A submission is a ``.py`` module, an ``.ipynb`` notebook (its code cells), or
a ``.zip`` holding one of them. Anything else, or anything broken, becomes
an :class:`Extracted` with ``source=None`` and a message for the student:
bad input never raises out of this module.

Notebooks are read as plain JSON rather than through nbformat: intake only
needs the code cells, must survive notebooks that nbformat would reject, and
must not pay nbformat's 2.3 s import on every ``check``.
IPython magics and shell escapes are dropped line by line (or the whole
cell for a cell magic), each with a note; a cell that still does not parse is
dropped with a note naming the cell, so one broken cell costs only the
functions it defines.
"""

from __future__ import annotations

import ast
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

MAX_SOURCE_BYTES = 5 * 1024 * 1024
MAX_ZIP_MEMBER_BYTES = 20 * 1024 * 1024
SUFFIXES = (".py", ".ipynb")
HELP_LINE = re.compile(r"^[\w.\[\]()]+\?{1,2}\s*$")  # `np.zeros?`, `obj??`


@dataclass(frozen=True)
class Extracted:
    """The code to load, or why there is none; ``cells`` maps lines to notebook cells."""

    source: str | None
    filename: str
    notes: tuple[str, ...] = ()
    cells: tuple[tuple[int, int], ...] = field(default=())  # (first line, cell number)

    def where(self, line: int) -> str:
        """A line of the loaded source as the student knows it: 'cell 4, line 2'."""
        for first, cell in reversed(self.cells):
            if line >= first:
                return f"cell {cell}, line {line - first + 1}"
        return f"line {line}"

    def locate(self, text: str) -> str:
        """Rewrite every 'line N' in a message into the student's terms."""
        if not self.cells:
            return text
        return re.sub(r"\bline (\d+)", lambda m: self.where(int(m.group(1))), text)


def extract(name: str, data: bytes, expected_stem: str) -> Extracted:
    """The code inside a submitted file called ``name`` with content ``data``."""
    suffix = Path(name).suffix.lower()
    if suffix == ".zip":
        return _from_zip(name, data, expected_stem)
    if suffix == ".py":
        return _from_python(name, data)
    if suffix == ".ipynb":
        return _from_notebook(name, data)
    return Extracted(None, name, (f"{name} is not a .py, .ipynb or .zip file; submit {expected_stem}.ipynb "
                                  f"or {expected_stem}.py",))


def _decode(name: str, data: bytes) -> tuple[str | None, str | None]:
    if len(data) > MAX_SOURCE_BYTES:
        return None, f"{name} is larger than {MAX_SOURCE_BYTES // 1024**2} MiB; is it the right file?"
    if b"\x00" in data:
        return None, f"{name} is not a text file (it contains binary data)"
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        return None, f"{name} is not UTF-8 text; save it as UTF-8"


def _from_python(name: str, data: bytes) -> Extracted:
    text, problem = _decode(name, data)
    if problem:
        return Extracted(None, name, (problem,))
    if not text.strip():
        return Extracted(None, name, (f"{name} is empty",))
    return Extracted(text, name)


def _from_notebook(name: str, data: bytes) -> Extracted:
    text, problem = _decode(name, data)
    if problem:
        return Extracted(None, name, (problem,))
    try:
        nb = json.loads(text)
    except (ValueError, RecursionError) as exc:
        return Extracted(None, name, (f"{name} is not a valid notebook: it is not JSON ({exc}). "
                                      "Was it saved completely? Try re-downloading it from Jupyter.",))
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list):
        return Extracted(None, name, (f"{name} is not a valid notebook: it has no list of cells",))
    lines: list[str] = []
    starts: list[tuple[int, int]] = []
    notes: list[str] = []
    number = 0
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        number += 1
        src = cell.get("source", "")
        src = "".join(src) if isinstance(src, list) else src
        if not isinstance(src, str):
            continue
        code, dropped = _strip_ipython(src)
        if dropped:
            notes.append(f"cell {number}: skipped IPython-only line(s) {', '.join(dropped)}")
        if not code.strip():
            continue
        try:
            ast.parse(code)
        except SyntaxError as exc:
            notes.append(f"cell {number}: syntax error at line {exc.lineno}: {exc.msg}; the cell was skipped")
            continue
        starts.append((len(lines) + 1, number))
        lines.extend(code.splitlines())
        lines.append("")
    if number == 0:
        return Extracted(None, name, (f"{name} has no code cells",))
    if not lines:
        return Extracted(None, name, tuple(notes) + (f"{name} has no runnable code",))
    return Extracted("\n".join(lines) + "\n", name, tuple(notes), tuple(starts))


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


def _from_zip(name: str, data: bytes, expected_stem: str) -> Extracted:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [m for m in archive.infolist() if not m.is_dir() and "__MACOSX" not in m.filename]
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        return Extracted(None, name, (f"{name} is not a readable zip file ({exc})",))
    candidates = [m for m in members if Path(m.filename).suffix.lower() in SUFFIXES]
    if not candidates:
        return Extracted(None, name, (f"{name} holds no .py or .ipynb file",))
    chosen = pick(candidates, expected_stem, key=lambda m: Path(m.filename).name,
                  newest=lambda m: m.date_time)
    if chosen.file_size > MAX_ZIP_MEMBER_BYTES:
        return Extracted(None, name, (f"{chosen.filename} in {name} is too large",))
    try:
        inner = archive.read(chosen)
    except (zipfile.BadZipFile, OSError, RuntimeError, ValueError) as exc:
        return Extracted(None, name, (f"{chosen.filename} in {name} could not be read ({exc})",))
    found = extract(Path(chosen.filename).name, inner, expected_stem)
    note = f"graded {chosen.filename} from {name}" + (f" ({len(candidates)} candidates)" if len(candidates) > 1 else "")
    return Extracted(found.source, found.filename, (note,) + found.notes, found.cells)


def pick(candidates: list, stem: str, key, newest):
    """The spec's precedence: <stem>.ipynb, then <stem>.py, then the newest file."""
    for wanted in (f"{stem}.ipynb", f"{stem}.py"):
        for c in candidates:
            if key(c) == wanted:
                return c
    return max(candidates, key=newest)
