"""What people read: the student's feedback (feedback.md and .html) and the TA's summary.html.

Most records here are made by hand (:func:`rec`), so that every number a test expects can be worked out
on paper next to it; the fixture course grades the cases that need a real submission.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import re

import pytest

from autograder import feedback, pages, report, roster, stats
from autograder.gradebook import Row
from autograder.record import PartResult, Result, TestResult
from helpers import REPO
from trusted import checks

SORT_SCRIPT = (REPO / "autograder" / "templates" / "sortable.js").read_text()
HOSTILE = "</script><script>alert(1)</script><img src=x onerror=alert(2)>"


def t(part: str, test_id: str, got: float, of: float = 1.0, status: str = "", message: str = "",
      mistake: str | None = None) -> TestResult:
    """One graded test: ``got`` points of ``of``; passed when it got them all."""
    status = status or ("passed" if got >= of else "partial" if got > 0 else "failed")
    return TestResult(test_id, part, "public", status, message, 1.0, got / of, got, of, 0.01, False, mistake)


def rec(student: str, *tests: TestResult, status: str = "graded", display: str = "") -> Result:
    """A record of the mini assignment's shape from its tests (parts in the order first seen)."""
    parts = {}
    for test in tests:
        parts.setdefault(test.part, []).append(test)
    return Result(
        assignment="mini", title="Mini assignment", student=student, filename="mini.py", sha256="0" * 64,
        parts=tuple(PartResult(name, name.title(), sum(x.score for x in ts), sum(x.max_score for x in ts), "cpu",
                               tuple(ts)) for name, ts in parts.items()),
        notes=(), printed="", sandbox=(), device="cpu", execution_time_s=0.1, executor="local", status=status,
        display=display)


def row(result: Result | None, student: str = "", fault: str | None = None) -> Row:
    return Row("mini", student or result.student, "0" * 64, "0", result, fault)


# -- scores ---------------------------------------------------------------------------------
def test_every_score_is_written_with_two_decimals():
    assert [pages.points(v) for v in (17.857142, 100, 0, -1e-9, 6, 2.005, None)] == \
        ["17.86", "100.00", "0.00", "0.00", "6.00", "2.00", "–"]  # 2.005 is 2.00499... in binary
    r = rec("ada", t("basics", "a", 5.857142, 6), t("basics", "b", 6, 6), t("arrays", "c", 6, 8))
    md, html = feedback.feedback_md(r), feedback.feedback_html(r)
    assert "**Total: 17.86 / 20.00**" in md and "- Basics: 11.86 / 12.00" in md and "- Arrays: 6.00 / 8.00" in md
    assert "17.86 / 20.00" in html and "11.86 / 12.00" in html and "6.00 / 8.00" in html
    assert md.index("**Total:") < md.index("- Basics:") < md.index("## Failed tests")  # the total opens it
    assert report.results_json(r)["output"].startswith("Graded mini.py: 17.86 / 20.00")
    assert report.results_json(r)["score"] == r.score  # the numbers stay numbers, unrounded


def test_an_unreadable_submission_shows_no_score_rather_than_zero(grade_source):
    r = grade_source(b'{"cells": [', "mini.ipynb")
    assert r.status == "unreadable"
    md = feedback.feedback_md(r)
    assert "**Total: – / 10.00 (not graded)**" in md and "- Basics: – / 6.00" in md and ": 0.00" not in md


# -- folding and collapsing -------------------------------------------------------------------
def test_a_corrupt_submission_gets_one_line_per_part(grade_source):
    r = grade_source(b'{"cells": [', "mini.ipynb")
    md, html = feedback.feedback_md(r), feedback.feedback_html(r)
    for part in r.parts:
        more = len(part.tests) - 1
        line = f"… and {more} more test{'s' if more > 1 else ''} with the same message"
        assert md.count(line) == 1 and html.count(line) == 1, line
    assert md.count("not run: no code could be read from your submission") == len(r.parts)
    assert html.count("not run: no code could be read from your submission") == len(r.parts)
    assert f"## Failed tests ({len(r.outcomes)} of {len(r.outcomes)})" in md


def test_repeated_messages_fold_into_one_line_wherever_they_are_in_the_part():
    budget = "not run: the time budget of the whole submission was used up"
    r = rec("slow", t("basics", "first", 1), t("basics", "loops", 0, status="timeout", message="f() did not finish"),
            *(t("basics", f"after{i}", 0, status="timeout", message=budget) for i in range(20)),
            t("basics", "between", 1),
            *(t("basics", f"later{i}", 0, status="timeout", message=budget) for i in range(18)),
            t("basics", "other", 0, message=HOSTILE), t("arrays", "x", 0, status="timeout", message=budget))
    md, html = feedback.feedback_md(r), feedback.feedback_html(r)
    assert "`after0`: timed out — `" + budget + "` … and 37 more tests with the same message" in md
    assert md.count(budget) == 2  # once in basics (38 tests), once in arrays (a part of its own)
    assert "`loops`: timed out — `f() did not finish`\n" in md  # a message seen once is not folded
    assert "after1" not in md and "later0" not in md
    assert "… and 37 more tests with the same message" in html and "<code>later17</code>" in html  # collapsed
    assert checks.active_html(html) == [] and checks.active_markdown(md) == []  # the message stays inert


def test_passed_tests_are_counted_in_markdown_and_collapsed_in_html():
    r = rec("bea", t("basics", "pass_one", 1), t("basics", "fails", 0, message="wrong sign"),
            t("arrays", "pass_two", 2, 2), t("arrays", "pass_three", 1))
    md, html = feedback.feedback_md(r), feedback.feedback_html(r)
    assert "✔ 3 of 4 tests passed." in md and "pass_one" not in md and "pass_two" not in md
    assert "- ✘ `fails`: failed — `wrong sign`" in md
    collapsed = html[html.index('<details class="passed">'):]
    assert collapsed.index("</details>") > collapsed.index("pass_three") > collapsed.index("pass_one")
    assert html.index("fails") < html.index('<details class="passed">')
    everything = rec("cy", t("basics", "a", 1), t("arrays", "b", 4, 4))
    assert "✔ All 2 tests passed." in feedback.feedback_md(everything)
    assert "Failed tests" not in feedback.feedback_md(everything) + feedback.feedback_html(everything)


# -- statistics ----------------------------------------------------------------------------
def class_of_four() -> list[Result]:
    """Four students; a and b are worth 1 point, c 4 (s3 gets half of it), d 1 (all pass), e 1 (all fail).

    totals: s1 = 1+1+4+1 = 7, s2 = 1+0+4+1 = 6, s3 = 0+1+2+1 = 4, s4 = 0+0+0+1 = 1."""
    m, sign = "forgot the 1/N", "wrong sign"
    return [
        rec("s1", t("basics", "a", 1), t("basics", "b", 1), t("arrays", "c", 4, 4), t("arrays", "d", 1),
            t("arrays", "e", 0)),
        rec("s2", t("basics", "a", 1), t("basics", "b", 0), t("arrays", "c", 4, 4), t("arrays", "d", 1),
            t("arrays", "e", 0), status="late"),
        rec("s3", t("basics", "a", 0, mistake=m), t("basics", "b", 1), t("arrays", "c", 2, 4, mistake=m),
            t("arrays", "d", 1), t("arrays", "e", 0, mistake=m), status="needs_review"),
        rec("s4", t("basics", "a", 0, mistake=m), t("basics", "b", 0, mistake=sign), t("arrays", "c", 0, 4),
            t("arrays", "d", 1), t("arrays", "e", 0)),
    ]


def test_discrimination_is_the_rest_of_the_assignment_of_passers_minus_failers():
    """By hand, with rest = total - this test's points:
    a: passers s1, s2 rest 6, 5 (mean 5.5); failers s3, s4 rest 4, 1 (mean 2.5): +3.0
    b: passers s1, s3 rest 6, 3 (4.5); failers s2, s4 rest 6, 1 (3.5): +1.0
    c: passers s1, s2 rest 3, 2 (2.5); failers s3 (half of c) 2, s4 1 (1.5): +1.0
    d: everyone passed, e: no one did: nothing to compare."""
    found = {s.id: s for s in stats.tests(class_of_four())}
    assert [s.id for s in found.values()] == ["a", "b", "c", "d", "e"]
    assert found["a"].discrimination == pytest.approx(3.0)
    assert found["b"].discrimination == pytest.approx(1.0)
    assert found["c"].discrimination == pytest.approx(1.0)
    assert found["d"].discrimination is None and found["e"].discrimination is None
    assert [(found[k].failing, found[k].students) for k in "abcde"] == [(2, 4), (2, 4), (2, 4), (0, 4), (4, 4)]
    assert found["c"].failure_rate == 0.5
    assert stats.discrimination([(True, 3.0), (False, 5.0)]) == -2.0  # a test the strong ones fail


def test_mistakes_are_counted_in_students_not_in_failed_tests():
    assert stats.mistakes(class_of_four()) == {"forgot the 1/N": 2, "wrong sign": 1}  # s3 made it in 3 tests


def test_the_summary_shows_the_numbers_and_leaves_unreadable_submissions_out(mini):
    rows = [row(r) for r in class_of_four()] + [row(rec("s5", t("basics", "a", 0), status="unreadable"))]
    page = report.summary_html(rows, mini)
    tests = page[page.index("<h2>Tests</h2>"):]
    assert re.search(r"<code>a</code></td><td class=\"num\" data-v=\"2\">2 / 4</td>\s*"
                     r"<td class=\"num\" data-v=\"0.5\">50%</td>\s*<td class=\"num\" data-v=\"3.0\">\+3.00</td>", tests)
    d = next(tr for tr in tests.split("</tr>") if "<code>d</code>" in tr)
    assert '0 / 4</td>' in d and d.endswith('<td class="num" data-v="">–</td>')  # all passed: no discrimination
    mistakes = page[page.index("<h2>Recognised mistakes</h2>"):page.index("<h2>Tests</h2>")]
    assert '<td>forgot the 1/N</td><td class="num" data-v="2">2 / 4</td>' in mistakes


# -- the TA's table ----------------------------------------------------------------------------
def summary_rows():
    good, late, review, other = class_of_four()
    return [row(dataclasses.replace(good, display=HOSTILE)), row(late), row(review), row(other),
            row(rec("s5", t("basics", "a", 0), status="unreadable")), row(None, "f1", "the worker died")]


def test_the_students_table_puts_attention_first_and_links_each_feedback(mini):
    people = [roster.Person("zed", "Zed Z")]
    lines = roster.class_list(summary_rows(), people)
    page = report.summary_html(summary_rows(), mini, lines)
    body = page[page.index('<table class="students sortable">'):page.index("</table>", page.index("students sortable"))]
    order = [m for m in re.findall(r"<tr class=\"(\w+)\"><td>(?:<a href=\"[^\"]*\">)?([\w]+)<", body)]
    assert order == [("fault", "f1"), ("unreadable", "s5"), ("needs_review", "s3"), ("missing", "zed"),
                     ("late", "s2"), ("graded", "s1"), ("graded", "s4")]
    for student in ("s1", "s2", "s3", "s4", "s5"):
        assert f'<a href="{student}/feedback.html">{student}</a>' in body
    assert 'href="f1/' not in body and 'href="zed/' not in body  # no feedback to link to
    assert "&lt;/script&gt;&lt;script&gt;alert(1)" in body and "<td>" + HOSTILE not in body
    columns = re.findall(r"<th[^>]*><button type=\"button\">(.*?)</button>", body)
    assert columns == ["student", "name", "status", "basics", "arrays", "total", "late<br>penalty", "adjustments"]
    s1 = body[body.index('href="s1/'):].split("</tr>")[0]
    assert '<td class="num" data-v="7">7.00</td>' in s1  # the total
    assert s1.count(">–</td>") == 2  # no late penalty, no adjustments yet


def test_late_penalties_and_adjustments_fill_their_columns_when_someone_sets_them(mini):
    lines = [dataclasses.replace(line, penalty=2.5, adjustments=((1.0, "regraded b"), 0.5))
             if line.student == "s1" else line for line in roster.class_list(summary_rows())]
    page = report.summary_html(summary_rows(), mini, lines)
    s1 = page[page.index('href="s1/'):].split("</tr>")[0]
    assert '<td class="num" data-v="-2.5">−2.50</td>' in s1
    assert '<td class="num" data-v="1.5" title="regraded b">+1.50</td>' in s1


# -- the one script ----------------------------------------------------------------------------
def test_the_sort_script_is_the_shipped_file_and_the_csp_allows_it_alone(mini):
    page = report.summary_html(summary_rows(), mini)
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", page, re.S)
    assert scripts == [("", SORT_SCRIPT)]  # no attribute, the file's text byte for byte: no student text
    assert "alert" not in scripts[0][1]
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', page).group(1)
    digest = base64.b64encode(hashlib.sha256(SORT_SCRIPT.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}';" in csp and csp.startswith("default-src 'none';")
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert checks.active_html(page) == [] and not checks.csp_missing(page)


def test_the_sort_script_only_moves_rows():
    """It reads attributes and text, and never writes markup or evaluates anything."""
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "Function(",
                 "setTimeout", "setAttribute(\"on", "location", "fetch", "XMLHttpRequest", "</"):
        assert sink not in SORT_SCRIPT, sink


def test_a_students_feedback_carries_no_script():
    html = feedback.feedback_html(rec("ada", t("basics", "a", 0, message=HOSTILE)))
    assert "<script" not in html.replace("&lt;script", "") and "script-src" not in html
    assert checks.active_html(html) == []
