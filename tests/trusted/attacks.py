"""Attacks on the grader's own process: hostile bytes before and after the sandbox.

Each :class:`Attack` writes one attacker's submission into the batch folder
(a file, a folder, an archive: whatever a student can hand in) and says what
the attacker's own feedback must say about it. The harness
(:mod:`trusted.harness`) grades every attack in one batch beside honest
students, through the real command line, and runs every check of
:mod:`trusted.checks` on what comes out.

Student code runs in the sandbox; what these attacks aim at is what the
grader does with its results (messages, printed text, names) and with the
submission's bytes (names, archives, notebooks, links) in the TA's process.
"""

from __future__ import annotations

import io
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from helpers import FIXTURE_COURSE

GOOD = (FIXTURE_COURSE / "solutions" / "mini" / "mini.py").read_text()
SCRIPT = "<script>document.title='PWNED'</script><img src=x onerror=\"document.title='PWNED'\">"


@dataclass(frozen=True)
class Attack:
    name: str
    what: str
    build: Callable[[Path], None]  # writes the attacker's submission under the given batch folder
    says: str = ""  # what the attacker's feedback.md must contain ('' : only that it was graded)
    student: str = ""  # the attacker's name as the outputs show it, when it is not ``name``


def archive(folder: Path, entries: list, filename: str = "mini.zip") -> None:
    """A student's zip of ``(name, bytes)`` entries; ``name`` may be anything a zip can hold."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / filename).write_bytes(zipped(entries))


def zipped(entries: list) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries:
            zf.writestr(name, data)
    return buf.getvalue()


def module(folder: Path, source: str, filename: str = "mini.py") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / filename).write_text(source)


def raising(message_expr: str) -> str:
    """The reference, except that add() raises ValueError(<message_expr>)."""
    return GOOD.replace("    return a + b", f"    raise ValueError({message_expr})")


def printing(stmt: str) -> str:
    """The reference, except that add() runs ``stmt`` (which prints) first."""
    return GOOD.replace("    return a + b", f"    {stmt}\n    return a + b")


ATTACKS = [
    Attack("xss_exception", "an exception message holding a script and an image with onerror",
           lambda d: module(d / "xss_exception", raising(repr(SCRIPT + '"}], {"score": 100'))), "ValueError"),
    Attack("xss_printed", "printed text that closes the <pre> and the Markdown fence, then opens a script",
           lambda d: module(d / "xss_printed", printing(
               "print('</pre></code>' + " + repr(SCRIPT) + " + '\\n```\\n' + " + repr(SCRIPT) + " + '\\n~~~~\\n')")),
           "What your code printed"),
    Attack("markdown_links", "links, images, autolinks and raw anchors in an exception message",
           lambda d: module(d / "markdown_links", raising(repr(
               "[click here](javascript:alert(1)) ![t](http://evil.example/t.png) https://evil.example/phish "
               "www.evil.example <a href='http://evil.example'>x</a> <http://evil.example/a>"))), "ValueError"),
    Attack("terminal_escapes", "terminal escapes and a right-to-left override in messages and printed text",
           lambda d: module(d / "terminal_escapes", printing(
               "print('\\x1b]0;PWNED\\x07\\x1b[2J\\x1b[31mred\\u202etxt.exe'); "
               "raise ValueError('\\x1b[31mred\\u202eEXE\\x00nul')")), "ValueError"),
    Attack("invalid_utf8_printed", "printed bytes that are not UTF-8, and a NUL",
           lambda d: module(d / "invalid_utf8_printed", printing(
               "import sys; sys.stdout.flush(); sys.stdout.buffer.write(b'\\xff\\xfe\\x00\\xc3(bad)\\n'); "
               "sys.stdout.buffer.flush()")), ""),
    Attack("lone_surrogates", "an exception message with lone surrogates, which no UTF-8 file can hold",
           lambda d: module(d / "lone_surrogates", raising("'\\ud800 lone ' + chr(0xdfff)")), "lone"),
    Attack("huge_exception", "an exception message of ten million characters",
           lambda d: module(d / "huge_exception", raising("'A' * 10_000_000")), "ValueError"),
    Attack("formula_file_name", "a file name a spreadsheet would run as a formula",
           lambda d: module(d / "formula_file_name", GOOD, filename="=HYPERLINK(1+1)mini.py")),
    Attack("formula_student_name", "a student folder named like a spreadsheet formula",
           lambda d: module(d / "@SUM(1+1)", GOOD), student="@SUM(1+1)"),
    Attack("html_student_name", "a student folder named like HTML",
           lambda d: module(d / "<img src=x onerror=alert(1)>", GOOD), student="<img src=x onerror=alert(1)>"),
    Attack("sql_student_name", "a student folder named like an SQL injection",
           lambda d: module(d / "x'); DROP TABLE submissions;--", GOOD), student="x'); DROP TABLE submissions;--"),
    Attack("link_to_hidden_tests", "a submission that is a symbolic link to the hidden tests",
           lambda d: (d / "link_to_hidden_tests").mkdir() or os.symlink(
               FIXTURE_COURSE / "assignments" / "mini" / "tests" / "hidden" / "test_basics.py",
               d / "link_to_hidden_tests" / "mini.py"), "outside"),
    Attack("link_to_other_student", "a student folder that is a symbolic link to an honest student's",
           lambda d: os.symlink(d / "honest_good", d / "link_to_other_student"), "link"),
    Attack("zip_slip", "archive entries named ../../ and /etc/ that would land outside any folder",
           lambda d: archive(d / "zip_slip", [("../../victim.txt", "owned"), ("/tmp/owned.py", "x = 1"),
                                              ("mini.py", GOOD)]), "skipped archive entry"),
    Attack("zip_bomb", "200 MB of zeros compressed to a few hundred KB",
           lambda d: archive(d / "zip_bomb", [("mini.py", b"\0" * 200_000_000)]), "zip bomb"),
    Attack("nested_zips", "a zip in a zip in a zip",
           lambda d: archive(d / "nested_zips", [("a.zip", zipped([("b.zip", zipped([("mini.py", GOOD)]))]))]),
           "nested deeper"),
    Attack("deep_notebook", "a notebook whose JSON nests 100,000 levels deep",
           lambda d: module(d / "deep_notebook", "[" * 100_000 + "]" * 100_000, filename="mini.ipynb"),
           "nested more than"),
    Attack("not_utf8_notebook", "a notebook that is not UTF-8",
           lambda d: (d / "not_utf8_notebook").mkdir() or (d / "not_utf8_notebook" / "mini.ipynb").write_bytes(
               b"\xff\xfe{\"cells\": []}"), "not UTF-8"),
    Attack("reserved_name", "a student folder named like the batch's own gradebook",
           lambda d: module(d / "gradebook.csv", GOOD), student="gradebook.csv"),
    Attack("escape_name", "a student folder whose name holds a terminal escape and dots",
           lambda d: module(d / "x\x1b[31m..", GOOD), student="x\x1b[31m.."),
]
