"""What people read, every one a view of result records (:mod:`autograder.record`):
results.json (Gradescope's format), feedback.md/.html per student, and
gradebook.csv, the closing table and summary.html for the batch.

Only this stage writes files; what the pages say is decided in
:mod:`autograder.feedback` (the student's) and :mod:`autograder.summary` (the
TA's).
"""

from __future__ import annotations

import csv
import dataclasses
import json
import os
from pathlib import Path

from autograder import pages, safe, standing, stats
from autograder.feedback import adjustment_line, feedback_html, feedback_md
from autograder.pages import points
from autograder.record import Result
from autograder.summary import answers_html, summary_html


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
            "raw_score": result.raw_score,
            **({"late": dataclasses.asdict(result.late)} if result.late else {}),
            **({"adjustments": [dataclasses.asdict(a) for a in result.adjustments]} if result.adjustments else {}),
        },
    }


def _summary_text(result: Result) -> str:
    lines = [f"Graded {safe.clean(result.filename)}: {points(result.score)} / {points(result.max_score)}"]
    lines += [f"- {safe.clean(n)}" for n in result.notes]
    return "\n".join(lines)


def page(template: str, **values) -> str:
    """A page of ``templates/`` through the one autoescaping environment (:mod:`autograder.pages`; each extends
    base.html and its Content-Security-Policy): how every HTML view, the similarity report's included, is made."""
    return pages.env.get_template(template).render(**values)


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


def rebuild(out: Path, book, assignment, context=None, written: dict | None = None) -> tuple[list, list]:
    """Every output of the batch, from the gradebook's records (and the roster, adjustments and flags it keeps),
    each record seen through the course's rules (:func:`autograder.standing.class_list`); the finalized rows and
    the class list it made them from, for the closing lines.

    ``written``: student -> the finalized record whose files this run has just written (``write_student`` with
    no review); a student whose line is that same record, with nothing to review, keeps those files, which
    are what writing again would give (a batch of 200 spent a second here rewriting them)."""
    rows = standing.rows(book, assignment, context)
    lines = standing.class_list(book, assignment, finalized=rows)
    for line in lines:
        if line.result is None:
            continue
        if not line.review and written is not None and written.get(line.result.student) == line.result:
            continue
        write_student(out, line.result, line.review)
    write_gradebook(out, lines, assignment)
    _atomic_write(out / "summary.html", summary_html(rows, assignment, lines))
    if any(p.manual for p in assignment.parts):
        _atomic_write(out / "answers.html", answers_html(rows, assignment))
    return rows, lines


GRADEBOOK_COLUMNS = ("student", "name", "email", "section")  # then a column per part, then TAIL_COLUMNS
TAIL_COLUMNS = ("total", "max_score", "late_penalty", "status", "file", "adjustments", "notes")


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
                             f"{r.score:g}" if r else "", f"{assignment.max_score:g}",
                             f"{r.penalty:g}" if r and r.late else "", line.status,
                             safe.csv_cell(line.result.filename if line.result else ""),
                             safe.csv_cell("; ".join(adjustment_line(a) for a in line.result.adjustments)
                                           if line.result else ""), safe.csv_cell("; ".join(line.notes))])
    os.replace(tmp, path)
    return path


def summary_table(rows: list, assignment) -> str:
    """The terminal's closing table: per part, mean and how many students got it all."""
    graded = stats.graded(rows)
    lines = [f"{'part':24s} {'points':>6s} {'mean':>7s} {'full marks':>10s}"]
    for part in assignment.parts:
        scores = [stats.part_score(r, part.name) for r in graded]
        full = sum(s >= part.points for s in scores)
        mean = sum(scores) / len(scores) if scores else 0
        lines.append(f"{part.name:24s} {part.points:6g} {mean:7.2f} {full:5d}/{len(scores):<4d}")
    totals = [r.score for r in graded]
    lines.append(f"{'total':24s} {assignment.max_score:6g} {sum(totals) / len(totals) if totals else 0:7.2f}"
                 f"   {len(graded)} graded, {len(stats.unreadable(rows))} unreadable, "
                 f"{sum(r.result is None for r in rows)} grader fault(s)")
    return "\n".join(lines)
