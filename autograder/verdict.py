"""What a student's check shows: the notes, one PASS/FAIL line per public test, what the code printed,
and the count.

``autograder check`` prints these lines in a terminal and ``grader.check`` in a
notebook (:mod:`autograder.notebook`) shows the same lines as text or HTML, so
the two can never tell a student different things. Every piece of student
text (notes, messages, printed output) is already ``safe.clean``-ed here; HTML
escapes it on top (``notebook.CheckResult._repr_html_``).
"""

from __future__ import annotations

from dataclasses import dataclass

from autograder import record, safe

HIDDEN = "The hidden tests check more cases; passing these is a start."


@dataclass(frozen=True)
class Line:
    kind: str  # note | pass | fail | message | printed | total
    text: str


def lines(result: record.Result, part: str | None = None) -> list[Line]:
    """The check's lines for ``result``, graded with the public tests (of ``part`` alone, when given)."""
    out = [Line("note", f"note: {safe.clean(n)}") for n in result.notes]
    for t in result.outcomes:
        out.append(Line("pass" if t.passed else "fail", f"{'PASS' if t.passed else 'FAIL'}  {t.id}"))
        if not t.passed:
            out.append(Line("message", f"      {safe.clean(t.message)}".replace("\n", "\n      ")))
    if not passed(result) and result.printed.strip():  # what the code printed may say why it failed
        out.append(Line("printed", "what your code printed (all tests together):"))
        out.append(Line("printed", "  | " + safe.clean(result.printed.rstrip()).replace("\n", "\n  | ")))
    total = len(result.outcomes)
    npass = sum(t.passed for t in result.outcomes)
    scope = f" of {part}" if part else ""
    if total:
        out.append(Line("total", f"{npass}/{total} public tests{scope} passed. {HIDDEN}"))
    else:
        out.append(Line("total", f"no public tests{scope}: only the grader's hidden tests check it."))
    return out


def passed(result: record.Result) -> bool:
    """Every public test ran and passed (and there was at least one)."""
    return bool(result.outcomes) and all(t.passed for t in result.outcomes)
