"""From submitted bytes to source: notebooks, magics, zips, and broken input."""

import io
import json
import zipfile

from autograder import extract as extract_module
from autograder.extract import extract
from autograder.sandbox.protocol import place


def notebook(*cells, kind="code"):
    return json.dumps({"cells": [{"cell_type": kind, "source": c} for c in cells], "nbformat": 4}).encode()


def test_notebook_code_cells_are_joined_and_markdown_ignored():
    data = json.dumps({"cells": [
        {"cell_type": "markdown", "source": "def not_code(): pass"},
        {"cell_type": "code", "source": ["import numpy as np\n", "def f(x):\n", "    return x\n"]},
    ]}).encode()
    found = extract("backprop.ipynb", data, "backprop")
    assert "def f(x)" in found.source and "not_code" not in found.source


def test_magics_and_shell_escapes_are_skipped_with_a_note():
    found = extract("a.ipynb", notebook("%matplotlib inline\nimport numpy as np", "!pip install torch\nx = 1",
                                        "%%timeit\nslow()"), "a")
    assert "matplotlib" not in found.source and "pip" not in found.source and "slow" not in found.source
    assert "x = 1" in found.source
    assert any("cell 1" in n for n in found.notes) and any("cell magic" in n for n in found.notes)


def test_a_cell_with_a_syntax_error_costs_only_that_cell():
    found = extract("a.ipynb", notebook("def good():\n    return 1", "def bad(:\n    pass", "def also_good(): return 2"), "a")
    assert "good" in found.source and "also_good" in found.source and "bad" not in found.source
    assert any("cell 2" in n and "syntax error" in n for n in found.notes)


def test_a_cell_is_parsed_once_per_process_and_a_broken_one_every_time(monkeypatch):
    """A batch meets the release's cells in every notebook: the syntax check remembers cells that parsed, never
    one that failed (each student's broken cell is reported in that student's notes), and not large cells."""
    parsed = []
    real_parse = extract_module.ast.parse
    monkeypatch.setattr(extract_module.ast, "parse", lambda code, *a, **k: parsed.append(code) or real_parse(code, *a, **k))
    extract_module._parses.cache_clear()
    shared, broken = "def shared_by_all():\n    return 1", "def broken(:\n    pass"
    large = "\n".join(["x = 1"] * (extract_module.SYNTAX_KEPT_CHARS // 6 + 1))
    for student in range(3):
        found = extract("a.ipynb", notebook(shared, broken, large, f"own = {student}"), "a")
        assert "shared_by_all" in found.source and "broken" not in found.source and f"own = {student}" in found.source
        assert any("cell 2" in n and "syntax error" in n for n in found.notes)
    assert parsed.count(shared) == 1
    assert parsed.count(broken) == 3 and parsed.count(large) == 3


def test_lines_are_reported_by_cell():
    found = extract("a.ipynb", notebook("x = 1\ny = 2", "def f():\n    return 1 / 0"), "a")
    line = found.source.splitlines().index("    return 1 / 0") + 1
    assert found.locate(f"error at {place(line)}") == 'error at line 2 of code cell 2 (starting "def f():")'
    assert found.locate(f"error at line {line}") == f"error at line {line}"  # only the sandbox's markers


def test_broken_inputs_get_a_message_not_an_exception():
    cases = {
        ("a.ipynb", b"{not json"): "not JSON",
        ("a.ipynb", b'{"cells": 3}'): "no list of cells",
        ("a.ipynb", notebook("text", kind="markdown")): "no code cells",
        ("a.py", b""): "empty",
        ("a.py", bytes(range(256))): "binary",
        ("a.py", b"\xff\xfe x = 1"): "UTF-8",
        ("a.pdf", b"%PDF"): "not a .py",
        ("a.zip", b"PK garbage"): "zip",
    }
    for (name, data), words in cases.items():
        found = extract(name, data, "a")
        assert found.source is None, name
        assert any(words in n for n in found.notes), (name, found.notes)


def zipped(files: dict) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
    return buf.getvalue()


def test_zip_prefers_the_assignment_notebook_then_module():
    data = zipped({"notes.py": "x = 0", "sub/backprop.py": "x = 1", "backprop.ipynb": notebook("x = 2").decode()})
    found = extract("alice.zip", data, "backprop")
    assert "x = 2" in found.source and "backprop.ipynb" in found.notes[0]
    found = extract("alice.zip", zipped({"notes.py": "x = 0", "sub/backprop.py": "x = 1"}), "backprop")
    assert "x = 1" in found.source


def test_zip_without_submission_files():
    found = extract("a.zip", zipped({"readme.txt": "hi"}), "a")
    assert found.source is None and "no .py or .ipynb" in found.notes[0]
