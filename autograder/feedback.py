"""What a student reads: feedback.md and feedback.html, the same content in two formats.

Both open with what a student looks for first, the total and one line per
part, then what to fix: the failed tests with their messages, part by part.
Passed tests are only counted in Markdown and collapsed (``<details>``) in
HTML: a submission that passes 115 of 120 tests should not make its reader
hunt for the five. Tests that failed with the same status and message in a
part (every test "not run" after a time limit, or all of them for a file
that could not be read) are folded into one line, "… and 37 more tests with
the same message", for the same reason. Scores are written with two decimals
everywhere (:func:`autograder.pages.points`).

Feedback is built from the outcomes' messages, which the checks write for
students; hidden tests' code and expected values never reach it. Every piece
of text that came from a submission stays inert: code spans and fenced
blocks in Markdown (:mod:`autograder.safe`), autoescaping in HTML.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from autograder import pages, safe
from autograder.pages import points, signed
from autograder.record import PartResult, Result, TestResult

STATUS_WORDS = {"passed": "passed", "partial": "partial credit", "failed": "failed", "timeout": "timed out",
                "error": "error"}

STATUS_LINES = {  # what a student is told of a status other than 'graded' (feedback.md and .html)
    "unreadable": "No code could be read from your submission; the notes below say why. It has not been graded "
                  "as a zero: fix the file and submit it again.",
    "late": "It was handed in after the due time; the notes below say what that changed.",
    "needs_review": "Something in this grading (see the notes below) will be looked at by a person; the score "
                    "may change.",
}


@dataclass(frozen=True)
class Folded:
    """A failed test as shown, with the other tests of its part that failed the same way."""

    test: TestResult
    more: tuple[TestResult, ...] = ()

    @property
    def more_text(self) -> str:
        """'… and 37 more tests with the same message' ('' when there are none)."""
        if not self.more:
            return ""
        n = len(self.more)
        what = "message" if self.test.message else "result"
        return f"… and {n} more test{'s' if n != 1 else ''} with the same {what}"


def fold(tests) -> list[Folded]:
    """The tests that did not fully pass, each (status, message) once, in the order of its first test."""
    groups: dict[tuple[str, str], list[TestResult]] = {}
    for t in tests:
        if not t.passed:
            groups.setdefault((t.status, t.message), []).append(t)
    return [Folded(first, tuple(rest)) for first, *rest in groups.values()]


def failed_parts(result: Result) -> list[tuple[PartResult, list[Folded]]]:
    """Each part with a test that did not fully pass, and those tests folded."""
    return [(part, fold(part.tests)) for part in result.parts if not all(t.passed for t in part.tests)]


def counts(result: Result) -> tuple[int, int]:
    """(tests passed, tests in all)."""
    return sum(t.passed for t in result.outcomes), len(result.outcomes)


def passed_line(passed: int, total: int) -> str:
    """The one line that stands for the passed tests (the HTML page lists them under it, collapsed)."""
    if passed == total:
        return f"✔ All {total} tests passed."
    return f"✔ {passed} of {total} tests passed." if passed else f"None of the {total} tests passed."


def mark(t: TestResult) -> str:
    return "✔" if t.passed else ("◐" if t.fraction > 0 else "✘")


def words(status: str) -> str:
    return STATUS_WORDS.get(status, status)


def label(t: TestResult) -> str:
    return t.id if t.visibility == "public" else f"{t.id} (hidden test)"


def scored(result: Result) -> bool:
    """Whether the record's points mean anything: an unreadable submission has none, not zero."""
    return result.status != "unreadable"


def manual_note(result: Result, part: PartResult) -> str:
    """After a manual part's score: whether a person has scored it yet."""
    if not part.manual:
        return ""
    done = any(a.part == part.name and a.kind == "score" for a in result.adjustments)
    return " (scored by a person)" if done else " (to be scored by a person)"


def adjustment_line(a) -> str:
    """One adjustment as its student reads it (feedback and gradebook.csv)."""
    what = f"set to {points(a.value)}" if a.kind == "score" else f"{signed(a.value)} points"
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(a.made_at))
    return f"{a.part}: {what} ({when}): {safe.clean(a.comment)}"


def feedback_md(result: Result) -> str:
    """Markdown for students and LMSs. Every piece of student-made text is a code span or a fenced
    block (:mod:`autograder.safe`), so no renderer makes HTML, a link or an image of it."""
    show = points if scored(result) else (lambda _: "–")
    total = f"{show(result.score)} / {points(result.max_score)}" + ("" if scored(result) else " (not graded)")
    out = [f"# {result.title}: feedback for {safe.md_code(result.display or result.student)}", "",
           f"File graded: {safe.md_code(result.filename)}", "", f"**Total: {total}**", ""]
    out += [f"- {part.title}: {show(part.score)} / {points(part.max_score)}{manual_note(result, part)}"
            for part in result.parts] + [""]
    if result.late:
        out += [f"Late penalty: **-{points(result.late.points)}** ({result.late.percent:g}% of "
                f"{points(result.raw_score)}, for {result.late.days} day(s) after the due time).", ""]
    if result.status in STATUS_LINES:
        out += [f"**Status: {result.status.replace('_', ' ')}.** {STATUS_LINES[result.status]}", ""]
    if result.group:
        out += [f"Graded once for your group: {safe.md_code(', '.join(result.group))}.", ""]
    if result.adjustments:
        out += ["## Changes made by your course staff", ""] + [f"- {adjustment_line(a)}" for a in result.adjustments]
        out.append("")
    if result.notes:
        out += ["## Notes on your submission", ""] + [f"- {safe.md_code(n)}" for n in result.notes] + [""]
    passed, total_tests = counts(result)
    if passed < total_tests:
        out += [f"## Failed tests ({total_tests - passed} of {total_tests})", ""]
        for part, folded in failed_parts(result):
            out += [f"### {part.title}", ""]
            for f in folded:
                line = f"- {mark(f.test)} `{label(f.test)}`: {words(f.test.status)}"
                if f.test.message:
                    line += f" — {safe.md_code(f.test.message)}"
                out.append(line + (f" {f.more_text}" if f.more else ""))
            out.append("")
    out += ["## Passed tests", "", passed_line(passed, total_tests), ""]
    if result.printed.strip():
        out += ["## What your code printed", "", safe.md_block(result.printed), ""]
    return "\n".join(out)


pages.env.globals.update(mark=mark, words=words, label=label, passed_line=passed_line, status_lines=STATUS_LINES,
                         manual_note=manual_note, adjustment_line=adjustment_line)


def feedback_html(result: Result) -> str:
    """The student's page, the same content as :func:`feedback_md`, through an autoescaping template
    (templates/feedback.html)."""
    passed, total = counts(result)
    return pages.env.get_template("feedback.html").render(
        r=result, scored=scored(result), failed=failed_parts(result), passed=passed, total=total,
        passed_parts=[(p, [t for t in p.tests if t.passed]) for p in result.parts if any(t.passed for t in p.tests)])
