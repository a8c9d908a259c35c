"""What people read: results.json (Gradescope's format), feedback.md/.html
per student, and gradebook.csv for the batch.

Only this stage writes files. Feedback is built from the outcomes' messages,
which the checks write for students; hidden tests' code and expected values
never reach it.
"""

from __future__ import annotations

import csv
import html
import json
import os
from pathlib import Path

from autograder import __version__
from autograder.grade import SCHEMA_VERSION, SubmissionResult

STATUS_WORDS = {"passed": "passed", "partial": "partial credit", "failed": "failed", "timeout": "timed out",
                "error": "error"}


def results_json(result: SubmissionResult, runner_name: str = "local") -> dict:
    tests = []
    for part in result.parts:
        for t in part.tests:
            o = t.outcome
            tests.append({
                "name": f"{part.name}: {o.id}",
                "score": round(t.score, 4),
                "max_score": round(t.max_score, 4),
                "status": "passed" if o.fraction >= 1 else "failed",
                "output": o.message,
                "visibility": "visible" if o.visibility == "public" else "after_published",
                "extra_data": {"status": o.status, "part": part.name, "duration_s": round(o.duration_s, 4)},
            })
    return {
        "score": result.score,
        "max_score": result.max_score,
        "execution_time": round(result.execution_time_s, 3),
        "output": _summary_text(result),
        "tests": tests,
        "extra_data": {
            "schema_version": SCHEMA_VERSION,
            "assignment": result.assignment.name,
            "student": result.student,
            "file": result.filename,
            "sha256": result.sha256,
            "grader_version": __version__,
            "runner": runner_name,
            "device": result.extra.get("device", "cpu"),
            "sandbox": list(result.mechanisms),
            "parts": {p.name: {"score": p.score, "max_score": p.max_score,
                               "device": result.extra.get("part_devices", {}).get(p.name, "cpu"),
                               **({"budget_s": result.extra["part_budgets"][p.name]}
                                  if p.name in result.extra.get("part_budgets", {}) else {})}
                      for p in result.parts},
            "notes": list(result.notes),
        },
    }


def _summary_text(result: SubmissionResult) -> str:
    lines = [f"Graded {result.filename}: {result.score:g} / {result.max_score:g}"]
    lines += [f"- {n}" for n in result.notes]
    return "\n".join(lines)


def feedback_md(result: SubmissionResult) -> str:
    a = result.assignment
    out = [f"# {a.title}: feedback for {result.student}", "",
           f"File graded: `{result.filename}`  ", f"Score: **{result.score:g} / {result.max_score:g}**", ""]
    if result.notes:
        out += ["## Notes on your submission", ""] + [f"- {n}" for n in result.notes] + [""]
    for part in result.parts:
        out += [f"## {part.title} ({part.score:g} / {part.max_score:g})", ""]
        for t in part.tests:
            o = t.outcome
            mark = "✔" if o.fraction >= 1 else ("◐" if o.fraction > 0 else "✘")
            label = o.id if o.visibility == "public" else f"{o.id} (hidden test)"
            line = f"- {mark} `{label}`: {STATUS_WORDS.get(o.status, o.status)}"
            if o.message and o.fraction < 1 or o.status == "partial":
                line += f" — {o.message}"
            out.append(line)
        out.append("")
    if result.printed.strip():
        out += ["## What your code printed", "", "```", result.printed.replace("```", "'''"), "```", ""]
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


def write_student(out: Path, result: SubmissionResult, runner_name: str = "local") -> Path:
    folder = out / result.student
    folder.mkdir(parents=True, exist_ok=True)
    _atomic_write(folder / "results.json", json.dumps(results_json(result, runner_name), indent=2) + "\n")
    md = feedback_md(result)
    _atomic_write(folder / "feedback.md", md)
    _atomic_write(folder / "feedback.html", feedback_html(md, f"{result.assignment.title}: {result.student}"))
    return folder


def write_gradebook(out: Path, results: list[SubmissionResult]) -> Path:
    """One row per student, one column per part, then the total."""
    path = out / "gradebook.csv"
    if not results:
        _atomic_write(path, "student\n")
        return path
    parts = [p.name for p in results[0].assignment.parts]
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["student", *parts, "total", "max_score", "file"])
        for r in sorted(results, key=lambda r: r.student):
            by_name = {p.name: p.score for p in r.parts}
            writer.writerow([r.student, *(f"{by_name.get(p, 0):g}" for p in parts), f"{r.score:g}",
                             f"{r.max_score:g}", r.filename])
    os.replace(tmp, path)
    return path
