"""Grading one Gradescope submission inside Gradescope's image; ``run`` always leaves a results.json.

The submission is graded by the grader's ordinary path, so that a student's
grade on Gradescope is the grade a TA's batch gives the same files: the
student's folder is picked like one student's folder of a batch
(``ingest.one_folder``: a notebook before a module before a zip, files
named after the assignment first), read like one (``batch.job_of``),
graded by ``grade.run_parts`` with the sandbox layers the launcher finds
(nothing here weakens them) and scored by ``record.assemble``.

What Gradescope needs beyond ``report.results_json``: one line saying the
sandbox in force, a clear message when nothing could be read, ``max_score``
kept under ``extra_data`` (not a key of Gradescope's format), and, when the
grader itself fails, a results.json with a zero, a message that says so and
``extra_data.status`` 'fault', because Gradescope shows no results.json as a
broken autograder and nothing to the student.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from pathlib import Path

from autograder import __version__, batch, devices, extras, grade, ingest, record, report, safe
from autograder.course import Course
from autograder.gradescope import metadata
from autograder.pool import usable_cores
from autograder.sandbox import zygote

SUBMISSION, RESULTS = "submission", "results"
FAULT = 3  # the CLI's exit status for a grader fault


def run(root: Path, course_dir: Path, name: str, log=None) -> int:
    """Grade ``root/submission`` with assignment ``name`` of ``course_dir`` into ``root/results/results.json``.

    0 when graded (whatever the score, unreadable included); FAULT when the grader failed, with a
    results.json that says so all the same.
    """
    log = log or sys.stdout  # Gradescope keeps it for the instructor (results/stdout)
    started = time.monotonic()
    out = root / RESULTS / "results.json"
    try:
        results, status = graded(root, course_dir, name), 0
        text = json.dumps(results, indent=2, allow_nan=False)  # NaN is not JSON: Gradescope would refuse it
    except Exception as exc:  # the grader's failure, never the student's: reported as a fault
        traceback.print_exc(file=log)
        results, status = fault(name, exc, time.monotonic() - started), FAULT
        text = json.dumps(results, indent=2)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(text + "\n", encoding="utf-8")
    os.replace(tmp, out)
    print(f"{out}: {results.get('score', 0):g} points, status {results['extra_data']['status']}", file=log)
    return status


def graded(root: Path, course_dir: Path, name: str) -> dict:
    """The results.json of the submission in ``root``; raises only for the grader's own failures."""
    course = Course.locate(course_dir)
    assignment = course.assignment(name)
    extras.require(assignment)
    _private(course.root)
    who = metadata.read(root)
    sub = ingest.one_folder(who.student if who else "student", root / SUBMISSION, assignment.student_file,
                            assignment.intake)
    job = batch.job_of([sub], assignment)
    try:
        run_ = grade.run_parts(assignment, job.filename, job.data, notes=job.notes,
                               device=devices.resolve("auto", assignment), threads=usable_cores())
    finally:
        zygote.shutdown()  # the warm box, if one was started, ends with this submission
    person = record.Who(job.student, who.display if who else "", lms="gradescope" if who else "",
                        submitted_at=who.submitted_at if who else "", time_source="lms" if who and who.submitted_at else "")
    result = record.assemble(assignment, person, [run_], "gradescope")
    return shaped(report.results_json(result), result, who, assignment.student_file)


def shaped(results: dict, result: record.Result, who: metadata.Submitter | None, stem: str) -> dict:
    """``report.results_json`` made Gradescope's: the messages students read first, the rest kept."""
    extra = results["extra_data"]
    extra["max_score"] = results.pop("max_score")
    extra["display"] = result.display
    if who and who.submitted_at:
        extra["submitted_at"] = who.submitted_at
    sandbox = "; ".join(safe.clean(s) for s in result.sandbox) or "none"
    if result.status == "unreadable":  # not "Graded X: 0 / N": nothing was graded
        lines = [f"Your submission could not be read, so it was not graded (the zero is not a score of your "
                 f"work): submit {stem}.ipynb (or {stem}.py) again. Why:"]
        lines += [f"- {safe.clean(n)}" for n in result.notes] or ["- no code could be read"]
        lines.append(f"No code of yours ran (the sandbox here: {sandbox}).")
    else:
        lines = [results["output"], f"Your code ran in a sandbox: {sandbox}."]
    results["output"] = "\n".join(lines)
    results["stdout_visibility"] = "hidden"  # the grader's log, for the instructor
    return results


def fault(name: str, exc: BaseException, elapsed: float) -> dict:
    """A results.json for a submission the grader failed on: zero, a message, status 'fault'."""
    return {
        "score": 0,
        "execution_time": round(elapsed, 3),
        "output": "The autograder itself failed while grading this submission; this is not a problem with "
                  "your code, and the zero is not your grade. Please tell your instructor, who can "
                  "grade it again once the autograder is fixed.",
        "output_format": "text",
        "stdout_visibility": "hidden",
        "tests": [],
        "extra_data": {"status": "fault", "assignment": name, "grader_version": __version__,
                       "reason": safe.clean(f"{type(exc).__name__}: {exc}")[:2000]},
    }


def _private(course_root: Path) -> None:
    """The tests and the reference are root's alone: without bubblewrap the student's process runs as
    another uid that sees the file system (setup.sh did this once; this keeps it so if it was undone)."""
    if os.geteuid() == 0:
        os.chmod(course_root, 0o700)
