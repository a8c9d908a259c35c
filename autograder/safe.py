"""Student-made text made inert for each format it is written into.

Names, file names, printed output, exception messages and notebook text all
come from submissions, and each output format has its own way of turning
text into action: a terminal runs escape sequences, Markdown renders HTML and
links, a spreadsheet evaluates formulas. Every piece of student-made text
passes through the function for its format on its way out. HTML is not here:
pages are rendered by Jinja2 with autoescaping (:mod:`autograder.report`).
"""

from __future__ import annotations

import re

# C0 and C1 control characters (ESC starts terminal sequences; NUL, BEL, CR
# rewrite or hide what a TA sees), DEL, the Unicode bidirectional overrides
# and isolates that make text display in another order than it reads
# (U+202A-U+202E, U+2066-U+2069), and lone surrogates, which a student's
# exception message can carry but no UTF-8 file can hold.
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet reads as the start of a formula


def clean(text: str) -> str:
    """For a terminal or any text file: control characters and direction overrides become '?'.

    Newlines and tabs stay; everything else is printed as the student wrote it.
    """
    return CONTROL.sub("?", text)


def md_code(text: str) -> str:
    """Student text inline in Markdown, as a code span: no HTML, link, image or emphasis is rendered
    from inside one, by GitHub, GitLab or an LMS. The fence is longer than any run of backticks in
    the text, and line breaks become ' ⏎ ' (a span is one line)."""
    text = clean(text).replace("\r", "").replace("\n", " ⏎ ").replace("\t", " ")
    if not text:
        return ""
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or text.startswith(" ") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def md_block(text: str) -> str:
    """Student text as a fenced Markdown code block: rendered as plain text, whatever it holds. The
    fence is longer than any run of backticks or tildes at a line's start, so the text cannot close it."""
    text = clean(text)
    longest = max((len(m) for m in re.findall(r"^[ \t]*(`+|~+)", text, re.M)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def csv_cell(text: str) -> str:
    """A text cell a spreadsheet shows as text (OWASP's CSV-injection advice: a leading quote).

    Only text cells: numbers are written as numbers by the caller and never pass through here,
    so a negative score stays a number.
    """
    text = clean(text)
    return "'" + text if text.startswith(FORMULA_START) else text
