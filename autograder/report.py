"""What people read, every one a view of result records (:mod:`autograder.record`):
results.json (Gradescope's format), feedback.md/.html per student, and
gradebook.csv, the closing table and summary.html for the batch.

Only this stage writes files. Feedback is built from the outcomes' messages,
which the checks write for students; hidden tests' code and expected values
never reach it.
"""

from __future__ import annotations

import csv
import html
import json
import os
import re
from collections import Counter
from pathlib import Path

from autograder.record import Result

STATUS_WORDS = {"passed": "passed", "partial": "partial credit", "failed": "failed", "timeout": "timed out",
                "error": "error"}


def results_json(result: Result) -> dict:
    """Gradescope's results.json; grader metadata under ``extra_data``."""
    tests = [{
        "name": f"{t.part}: {t.id}",
        "score": t.score,
        "max_score": t.max_score,
        "status": "passed" if t.passed else "failed",
        "output": t.message,
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
        "tests": tests,
        "extra_data": {
            "schema_version": result.schema_version,
            "assignment": result.assignment,
            "student": result.student,
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
    lines = [f"Graded {result.filename}: {result.score:g} / {result.max_score:g}"]
    lines += [f"- {n}" for n in result.notes]
    return "\n".join(lines)


CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text: str) -> str:
    """Student-made text for a page: control characters (terminal escapes, NULs) become '?'."""
    return CONTROL.sub("?", text)


def feedback_md(result: Result) -> str:
    out = [f"# {result.title}: feedback for {result.student}", "",
           f"File graded: `{result.filename}`  ", f"Score: **{result.score:g} / {result.max_score:g}**", ""]
    if result.notes:
        out += ["## Notes on your submission", ""] + [f"- {clean(n)}" for n in result.notes] + [""]
    for part in result.parts:
        out += [f"## {part.title} ({part.score:g} / {part.max_score:g})", ""]
        for t in part.tests:
            mark = "✔" if t.passed else ("◐" if t.fraction > 0 else "✘")
            label = t.id if t.visibility == "public" else f"{t.id} (hidden test)"
            line = f"- {mark} `{label}`: {STATUS_WORDS.get(t.status, t.status)}"
            if t.message and not t.passed or t.status == "partial":
                line += f" — {clean(t.message)}"
            out.append(line)
        out.append("")
    if result.printed.strip():
        out += ["## What your code printed", "", "```", clean(result.printed).replace("```", "'''"), "```", ""]
    return "\n".join(out)


def feedback_html(markdown_text: str, title: str) -> str:
    """A standalone page; the markdown is rendered by mistune (nbconvert's renderer)."""
    try:
        import mistune
        body = mistune.html(markdown_text)
    except ImportError:
        body = f"<pre>{html.escape(markdown_text)}</pre>"
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            "<style>body{font-family:sans-serif;max-width:50em;margin:2em auto;line-height:1.4}"
            "code{background:#f3f3f3}</style></head><body>" + body + "</body></html>\n")


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def write_student(out: Path, result: Result) -> Path:
    """``OUT/<student>/``: results.json, feedback.md and feedback.html, each a view of the record."""
    folder = out / result.student
    folder.mkdir(parents=True, exist_ok=True)
    feedback = feedback_md(result)
    _atomic_write(folder / "results.json", json.dumps(results_json(result), indent=2) + "\n")
    _atomic_write(folder / "feedback.md", feedback)
    _atomic_write(folder / "feedback.html", feedback_html(feedback, f"{result.title}: {result.student}"))
    return folder


def rebuild(out: Path, book, assignment) -> None:
    """Every output of the batch, from the gradebook's records alone."""
    rows = book.rows(assignment.name)
    for row in rows:
        if row.result is not None:
            write_student(out, row.result)
    write_gradebook(out, rows, assignment)
    _atomic_write(out / "summary.html", summary_html(rows, assignment))


def write_gradebook(out: Path, rows: list, assignment) -> Path:
    """One row per student, one column per part, then the total: ready for an LMS import."""
    path = out / "gradebook.csv"
    parts = [p.name for p in assignment.parts]
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["student", *parts, "total", "max_score", "status", "file"])
        for row in rows:
            r = row.result
            by_part = {p.name: p.score for p in r.parts} if r else {}
            writer.writerow([row.student, *(f"{by_part.get(p, 0):g}" for p in parts),
                             f"{r.score if r else 0:g}", f"{r.max_score if r else assignment.max_score:g}",
                             "graded" if r else "grader fault", r.filename if r else ""])
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


def summary_table(rows: list, assignment) -> str:
    """The terminal's closing table: per part, mean and how many students got it all."""
    graded = [r.result for r in rows if r.result]
    lines = [f"{'part':24s} {'points':>6s} {'mean':>7s} {'full marks':>10s}"]
    for part in assignment.parts:
        scores = [_part_score(r, part.name) for r in graded]
        full = sum(s >= part.points for s in scores)
        mean = sum(scores) / len(scores) if scores else 0
        lines.append(f"{part.name:24s} {part.points:6g} {mean:7.2f} {full:5d}/{len(scores):<4d}")
    totals = [r.score for r in graded]
    lines.append(f"{'total':24s} {assignment.max_score:6g} {sum(totals) / len(totals) if totals else 0:7.2f}"
                 f"   {len(graded)} graded, {len(rows) - len(graded)} grader fault(s)")
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


def summary_html(rows: list, assignment) -> str:
    """What an instructor looks at: histograms per part, the most-failed tests, the common mistakes."""
    graded = [r.result for r in rows if r.result]
    esc = html.escape
    out = [f"<!doctype html><html><head><meta charset='utf-8'><title>{esc(assignment.title)}: summary</title>"
           "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}table{border-collapse:collapse}"
           "td,th{padding:.2em .6em;border-bottom:1px solid #ddd;text-align:left}.h{display:inline-block}</style>"
           f"</head><body><h1>{esc(assignment.title)}</h1>",
           f"<p>{len(graded)} submissions graded, {len(rows) - len(graded)} grader fault(s). "
           f"Mean total {sum(r.score for r in graded) / max(1, len(graded)):.2f} / {assignment.max_score:g}.</p>",
           f"<pre>{esc(summary_table(rows, assignment))}</pre>", "<h2>Score histograms</h2>"]
    series = [("total", [r.score for r in graded], assignment.max_score)]
    series += [(p.title, [_part_score(r, p.name) for r in graded], p.points) for p in assignment.parts]
    for title, values, maximum in series:
        out.append(f"<img class='h' alt='{esc(title)}' src='data:image/png;base64,"
                   f"{_histogram_png(values, maximum, title)}'>")
    failed, hints = _failed_tests(graded)
    out.append("<h2>Most-failed tests</h2><table><tr><th>test</th><th>students failing</th></tr>")
    out += [f"<tr><td>{esc(name)}</td><td>{n} / {len(graded)}</td></tr>" for name, n in failed.most_common(20)]
    out.append("</table><h2>Most common recognised mistakes</h2><table><tr><th>hint</th><th>times seen</th></tr>")
    out += [f"<tr><td>{esc(h)}</td><td>{n}</td></tr>" for h, n in hints.most_common(15)]
    out.append("</table>")
    faults = [r for r in rows if r.result is None]
    if faults:
        out.append("<h2>Grader faults</h2><ul>" + "".join(f"<li>{esc(r.student)}: {esc(r.fault or '')}</li>"
                                                           for r in faults) + "</ul>")
    out.append("</body></html>\n")
    return "\n".join(out)
