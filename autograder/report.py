"""What people read, every one a view of result records (:mod:`autograder.record`):
results.json (Gradescope's format), feedback.md/.html per student, and
gradebook.csv, the closing table and summary.html for the batch.

Only this stage writes files. Feedback is built from the outcomes' messages,
which the checks write for students; hidden tests' code and expected values
never reach it.
"""

from __future__ import annotations

import csv
import json
import os
from collections import Counter
from pathlib import Path

import jinja2

from autograder import roster, safe
from autograder.record import Result, TestResult

STATUS_WORDS = {"passed": "passed", "partial": "partial credit", "failed": "failed", "timeout": "timed out",
                "error": "error"}


STATUS_LINES = {  # what a student is told of a status other than 'graded' (feedback.md and .html)
    "unreadable": "No code could be read from your submission; the notes below say why. It has not been graded "
                  "as a zero: fix the file and submit it again.",
    "late": "The LMS marked this submission late; the notes below say what that changed.",
    "needs_review": "Something in this grading (see the notes below) will be looked at by a person; the score "
                    "may change.",
}


def results_json(result: Result, review: tuple[str, ...] = ()) -> dict:
    """Gradescope's results.json; grader metadata under ``extra_data``. ``review``: why a person should look
    (a similarity flag, :func:`autograder.roster.class_list`): the status becomes ``needs_review`` and the
    reasons go to ``extra_data.review``, which Gradescope shows no student; ``output``, which it shows, and
    the score are the record's."""
    tests = [{
        "name": f"{t.part}: {t.id}",
        "score": t.score,
        "max_score": t.max_score,
        "status": "passed" if t.passed else "failed",
        "output": safe.clean(t.message),
        "output_format": "text",  # Gradescope shows it as text: nothing in it is rendered
        "visibility": "visible" if t.visibility == "public" else "after_published",
        "extra_data": {"status": t.status, "part": t.part, "duration_s": round(t.duration_s, 4),
                       **({"mistake": t.mistake} if t.mistake else {})},
    } for t in result.outcomes]
    workers = {p.name: p.worker for p in result.parts if p.worker}
    return {
        "score": result.score,
        "max_score": result.max_score,
        "execution_time": round(result.execution_time_s, 3),
        "output": _summary_text(result),
        "output_format": "text",
        "tests": tests,
        "extra_data": {
            "schema_version": result.schema_version,
            "status": "needs_review" if review else result.status,
            **({"review": list(review)} if review else {}),
            "assignment": result.assignment,
            "student": result.student,
            "name": result.display,
            **{k: getattr(result, k) for k in ("lms", "lms_id", "submitted_at", "time_source") if getattr(result, k)},
            **({"group": list(result.group)} if result.group else {}),
            "file": result.filename,
            "sha256": result.sha256,
            "grader_version": result.grader_version,
            "runner": {"executor": result.executor, **({"workers": workers} if workers else {})},
            "device": result.device,
            "sandbox": list(result.sandbox),
            "parts": {p.name: {"score": p.score, "max_score": p.max_score, "device": p.device,
                               **({"budget_s": p.budget_s} if p.budget_s is not None else {})}
                      for p in result.parts},
            "notes": list(result.notes),
        },
    }


def _summary_text(result: Result) -> str:
    lines = [f"Graded {safe.clean(result.filename)}: {result.score:g} / {result.max_score:g}"]
    lines += [f"- {safe.clean(n)}" for n in result.notes]
    return "\n".join(lines)


def _mark(t: TestResult) -> str:
    return "✔" if t.passed else ("◐" if t.fraction > 0 else "✘")


def _words(status: str) -> str:
    return STATUS_WORDS.get(status, status)


def feedback_md(result: Result) -> str:
    """Markdown for students and LMSs. Every piece of student-made text is a code span or a fenced
    block (:mod:`autograder.safe`), so no renderer makes HTML, a link or an image of it."""
    out = [f"# {result.title}: feedback for {safe.md_code(result.display or result.student)}", "",
           f"File graded: {safe.md_code(result.filename)}  ", f"Score: **{result.score:g} / {result.max_score:g}**",
           ""]
    if result.status in STATUS_LINES:
        out += [f"**Status: {result.status.replace('_', ' ')}.** {STATUS_LINES[result.status]}", ""]
    if result.group:
        out += [f"Graded once for your group: {safe.md_code(', '.join(result.group))}.", ""]
    if result.notes:
        out += ["## Notes on your submission", ""] + [f"- {safe.md_code(n)}" for n in result.notes] + [""]
    for part in result.parts:
        out += [f"## {part.title} ({part.score:g} / {part.max_score:g})", ""]
        for t in part.tests:
            label = t.id if t.visibility == "public" else f"{t.id} (hidden test)"
            line = f"- {_mark(t)} `{label}`: {_words(t.status)}"
            if t.message and not t.passed or t.status == "partial":
                line += f" — {safe.md_code(t.message)}"
            out.append(line)
        out.append("")
    if result.printed.strip():
        out += ["## What your code printed", "", safe.md_block(result.printed), ""]
    return "\n".join(out)


_pages = jinja2.Environment(loader=jinja2.PackageLoader("autograder", "templates"), autoescape=True,
                            undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                            finalize=lambda v: safe.clean(v) if isinstance(v, str) else v)
_pages.globals.update(mark=_mark, words=_words, status_lines=STATUS_LINES)


def page(template: str, **values) -> str:
    """A page of ``templates/`` through the one autoescaping environment (each extends base.html and its
    Content-Security-Policy): how every HTML view, the similarity report's included, is made."""
    return _pages.get_template(template).render(**values)


def feedback_html(result: Result) -> str:
    """The student's page, from the record through an autoescaping template (templates/feedback.html)."""
    return _pages.get_template("feedback.html").render(r=result)


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8", errors="replace")  # a last guard: every view cleans its text first
    os.replace(tmp, path)


def write_page(path: Path, template: str, **values) -> Path:
    """:func:`page` written to ``path``, whole or not at all."""
    _atomic_write(path, page(template, **values))
    return path


def write_student(out: Path, result: Result, review: tuple[str, ...] = ()) -> Path:
    """``OUT/<student>/``: results.json, feedback.md and feedback.html, each a view of the record. ``review``
    reaches results.json only: the feedback is the student's, and a similarity flag is a question for a
    person that names another student, not a finding to send them."""
    folder = out / result.student
    folder.mkdir(parents=True, exist_ok=True)
    feedback = feedback_md(result)
    _atomic_write(folder / "results.json", json.dumps(results_json(result, review), indent=2) + "\n")
    _atomic_write(folder / "feedback.md", feedback)
    _atomic_write(folder / "feedback.html", feedback_html(result))
    return folder


def rebuild(out: Path, book, assignment) -> None:
    """Every output of the batch, from the gradebook's records (and the roster and flags it keeps) alone."""
    rows = book.rows(assignment.name)
    lines = book.class_list(assignment.name)
    for line in lines:
        if line.result is not None:
            write_student(out, line.result, line.review)
    write_gradebook(out, lines, assignment)
    _atomic_write(out / "summary.html", summary_html(rows, assignment, lines))


GRADEBOOK_COLUMNS = ("student", "name", "email", "section")  # then a column per part, then TAIL_COLUMNS
TAIL_COLUMNS = ("total", "max_score", "status", "file", "notes")


def write_gradebook(out: Path, lines: list, assignment) -> Path:
    """One row per student (:func:`autograder.roster.class_list`), one column per part, then the total.
    Only a usable score is written: an unreadable, missing or faulty submission has empty score cells and
    its status says why, so that no spreadsheet averages it in as a zero."""
    path = out / "gradebook.csv"
    parts = [p.name for p in assignment.parts]
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([*GRADEBOOK_COLUMNS, *parts, *TAIL_COLUMNS])
        for line in lines:
            r = line.result if line.scored else None
            by_part = {p.name: p.score for p in r.parts} if r else {}
            writer.writerow([safe.csv_cell(line.student), safe.csv_cell(line.name), safe.csv_cell(line.email),
                             safe.csv_cell(line.section), *(f"{by_part[p]:g}" if r else "" for p in parts),
                             f"{r.score:g}" if r else "", f"{assignment.max_score:g}", line.status,
                             safe.csv_cell(line.result.filename if line.result else ""),
                             safe.csv_cell("; ".join(line.notes))])
    os.replace(tmp, path)
    return path


def _failed_tests(results: list[Result]) -> tuple[Counter, Counter]:
    """How many students failed each test, and how often each recognised mistake was seen."""
    failed, mistakes = Counter(), Counter()
    for result in results:
        for t in result.outcomes:
            if t.score < t.max_score:
                failed[f"{t.part}: {t.id}"] += 1
                if t.mistake:
                    mistakes[t.mistake] += 1
    return failed, mistakes


def _part_score(result: Result, name: str) -> float:
    return next((p.score for p in result.parts if p.name == name), 0.0)


def _graded(rows: list) -> list[Result]:
    """The records whose code could be read: the only ones counted in means and histograms."""
    return [r.result for r in rows if r.result and r.result.status != "unreadable"]


def _unreadable(rows: list) -> list[Result]:
    """Submissions with nothing to grade: listed apart, never counted as an ordinary zero."""
    return [r.result for r in rows if r.result and r.result.status == "unreadable"]


def summary_table(rows: list, assignment) -> str:
    """The terminal's closing table: per part, mean and how many students got it all."""
    graded = _graded(rows)
    lines = [f"{'part':24s} {'points':>6s} {'mean':>7s} {'full marks':>10s}"]
    for part in assignment.parts:
        scores = [_part_score(r, part.name) for r in graded]
        full = sum(s >= part.points for s in scores)
        mean = sum(scores) / len(scores) if scores else 0
        lines.append(f"{part.name:24s} {part.points:6g} {mean:7.2f} {full:5d}/{len(scores):<4d}")
    totals = [r.score for r in graded]
    lines.append(f"{'total':24s} {assignment.max_score:6g} {sum(totals) / len(totals) if totals else 0:7.2f}"
                 f"   {len(graded)} graded, {len(_unreadable(rows))} unreadable, "
                 f"{sum(r.result is None for r in rows)} grader fault(s)")
    return "\n".join(lines)


def _histogram_png(values: list[float], maximum: float, title: str) -> str:
    """A score histogram as a base64 PNG (matplotlib, no display needed)."""
    import base64
    import io

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    fig, ax = plt.subplots(figsize=(4, 2.4), dpi=90)
    bins = min(20, max(5, int(maximum) if maximum >= 5 else 5))
    ax.hist(values, bins=bins, range=(0, maximum or 1), color="#4c72b0", edgecolor="white")
    ax.set_title(title, fontsize=9)
    ax.set_xlabel("points", fontsize=8)
    ax.set_ylabel("students", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def summary_html(rows: list, assignment, lines: list | None = None) -> str:
    """What an instructor looks at: every student with their status (those needing attention first, each
    linking to their feedback), histograms per part, the most-failed tests, the common mistakes
    (templates/summary.html, autoescaped)."""
    lines = roster.class_list(rows) if lines is None else lines
    graded = _graded(rows)
    series = [("total", [r.score for r in graded], assignment.max_score)]
    series += [(p.title, [_part_score(r, p.name) for r in graded], p.points) for p in assignment.parts]
    failed, mistakes = _failed_tests(graded)
    return _pages.get_template("summary.html").render(
        a=assignment, graded=graded, faults=[r for r in rows if r.result is None], unreadable=_unreadable(rows),
        mean=sum(r.score for r in graded) / max(1, len(graded)), table=summary_table(rows, assignment),
        histograms=[(title, _histogram_png(values, maximum, title)) for title, values, maximum in series],
        failed=failed.most_common(20), mistakes=mistakes.most_common(15), students=roster.attention_first(lines),
        statuses=Counter(line.status for line in lines))
