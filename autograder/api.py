"""The Python API behind each command; the CLI only parses arguments.

Tests call these functions directly. Each takes an optional ``course``
(:class:`autograder.course.Course`); without one the course is found from the
working folder (a student's release folder works too).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from autograder import extract, extras, safe
from autograder.course import Course, find

if TYPE_CHECKING:
    from autograder import record
    from autograder import similarity as alike

# The modules only some commands need are imported by those commands: ``check``, which a student
# runs from a terminal and waits for, imports what it uses and no more, and starts the student's box
# before importing numpy (bench/check_startup.py). Nothing imported above imports numpy.


def grade_file(assignment_name: str, path: str | os.PathLike, visibilities=("public", "hidden"),
               course: Course | None = None) -> dict:
    """Grade one file with every test; the results.json dict."""
    from autograder import report
    from autograder.grade import grade_submission
    assignment = find(assignment_name, course)
    extras.require(assignment)
    path = Path(path)
    return report.results_json(grade_submission(assignment, path.stem, path.name, path.read_bytes(), visibilities))


def grade_batch(assignment_name: str, paths: list, out: str | os.PathLike, jobs: int | None = None,
                log=sys.stderr, device: str = "auto", regrade: bool = False, cluster: str | None = None,
                course: Course | None = None, roster_file: str | os.PathLike | None = None,
                only: list[str] | None = None) -> tuple[list["record.Result"], list[str]]:
    """Grade every submission under ``paths`` into ``out``; returns (records graded in this run, grader faults).

    Submissions already in ``out``'s gradebook with the same content and
    grader version are skipped unless ``regrade``. A device that cannot be
    used raises DeviceError before anything is graded, and a data set that the device's settings name but
    that is missing a ConfigError. ``cluster``: a Dask
    scheduler's address; its workers grade instead of the local pool. ``roster_file``: the course roster
    (``--roster``), kept in the gradebook for every output made from it.
    """
    from autograder import batch, devices, roster
    assignment = find(assignment_name, course)
    people = roster.load(roster_file) if roster_file else None  # a bad roster stops before anything is graded
    if cluster is None:  # a cluster's workers are checked when the batch starts (cluster._survey)
        extras.require(assignment)
        from autograder.pool import LocalPool
        resolved = devices.resolve(device, assignment)
        assignment.dataset(resolved)  # ConfigError now, not in every submission, when its data set is missing
        executor = LocalPool(jobs, resolved)
    else:
        from autograder.cluster import DaskExecutor
        executor = DaskExecutor(cluster, device)  # each worker resolves the device for itself
    return batch.grade(assignment, paths, Path(out), executor, regrade=regrade, log=log, people=people, only=only)


def rebuild_reports(out: str | os.PathLike, course: Course | None = None,
                    roster_file: str | os.PathLike | None = None) -> Path:
    """``autograder report OUT``: every output file again, from the gradebook alone (with a new roster)."""
    from autograder import batch, roster
    people = roster.load(roster_file) if roster_file else None
    return batch.rebuild_reports(Path(out), lambda name: find(name, course), people)


def adjust(out: str | os.PathLike, student: str, part: str | None = None, score: float | None = None,
           points: float | None = None, comment: str = "", undo: bool = False, course: Course | None = None) -> str:
    """``autograder adjust``: record a manual score or an adjustment (or undo the last), then rebuild OUT's
    outputs; a line saying what was done. ConfigError for an unknown student or part, or a score out of range."""
    from autograder import adjustments
    return adjustments.apply(Path(out), lambda name: find(name, course), student, part, score, points, comment,
                             undo)


def similarity(out: str | os.PathLike, threshold: float | None = None, top: int | None = None,
               course: Course | None = None) -> "alike.Found":
    """``autograder similarity OUT``: compare the graded students' code, flag the pairs at or above
    ``threshold`` (default ``similarity.THRESHOLD``) for review (scores unchanged) and write
    ``OUT/similarity.html`` with the ``top`` pairs (default ``similarity.TOP``); the
    :class:`autograder.similarity.Found`."""
    from autograder import similarity as alike
    return alike.run(Path(out), lambda name: find(name, course), alike.THRESHOLD if threshold is None else threshold,
                     alike.TOP if top is None else top)


def export_canvas(out: str | os.PathLike, to: str | os.PathLike, column: str | None = None,
                  roster_file: str | os.PathLike | None = None, course: Course | None = None):
    """``autograder export canvas OUT --to FILE.csv``: OUT's grades in Canvas's gradebook import format."""
    from autograder import canvas, roster
    people = roster.load(roster_file) if roster_file else None
    return canvas.export(Path(out), Path(to), lambda name: find(name, course), column, people)


def export_gradescope(assignment_name: str, to: str | os.PathLike | None = None,
                      course: Course | None = None) -> list[str]:
    """``autograder export gradescope NAME``: write the autograder zip (default ``NAME-gradescope.zip``);
    lines saying what it holds."""
    from autograder.gradescope import bundle
    assignment = find(assignment_name, course)
    path = bundle.build(assignment, to or f"{assignment.name}-gradescope.zip")
    return bundle.summary(path, assignment)


def check(assignment_name: str, path: str | os.PathLike, log=None, course: Course | None = None) -> int:
    """A student's local run of the public tests on a file, or on the file a folder holds; 0 when all pass.
    ``log``: where the lines go, by default ``sys.stdout`` as it is at the call (a check server redirects it)."""
    log = sys.stdout if log is None else log
    assignment = find(assignment_name, course)
    extras.require(assignment)
    picked = _checked_file(Path(path), assignment.student_file)
    if picked != Path(path):
        print(f"checking {safe.clean(str(picked))}", file=log)
    path = picked
    from autograder import early
    early.start_box(assignment)  # it boots on another core while this process imports numpy and the tests
    from autograder import verdict
    from autograder.grade import grade_submission
    result = grade_submission(assignment, path.stem, path.name, path.read_bytes(), visibilities=("public",))
    for line in verdict.lines(result):  # the lines grader.check shows in a notebook (autograder.notebook)
        print(line.text, file=log)
    return 0 if verdict.passed(result) else 1


def _checked_file(path: Path, stem: str) -> Path:
    """``path``, or the submission a folder holds, picked as the grader picks (``extract.pick``)."""
    if not path.is_dir():
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such file or folder")
        return path
    candidates = [p for p in path.iterdir() if p.is_file() and p.suffix.lower() in (".ipynb", ".py", ".zip")]
    if not candidates:
        raise FileNotFoundError(f"{path}: no .ipynb, .py or .zip file here to check (expected {stem}.ipynb)")
    return extract.pick(candidates, stem, key=lambda p: p.name, newest=lambda p: p.stat().st_mtime)


def new(name: str, title: str | None = None, course: Course | None = None) -> list[Path]:
    """``autograder new NAME``: write a minimal assignment that releases and validates as written; the files.

    Without ``course``, the working folder's (never this checkout's). ConfigError, before anything is
    written, for a name that is not an identifier, an assignment that exists, or nbformat missing."""
    from autograder import scaffold
    return scaffold.new(course or Course.for_new(), name, title)


def validate(assignment_name: str, log=None, course: Course | None = None) -> list[str]:
    """Problems found: no public test may ask for a fixture students lack (``lint``); the reference must
    reach the maximum; the release stubs, and the same stubs returning None instead of raising, must score
    zero; no test may break on any of them (a grader error). ``log``: by default ``sys.stdout`` at the call."""
    log = sys.stdout if log is None else log
    assignment = find(assignment_name, course)
    extras.require(assignment)
    from autograder import lint
    from autograder.grade import grade_submission
    problems = lint.public_fixture_problems(assignment)  # running cannot show these: validate has the reference
    for missing in assignment.missing_datasets():  # not a problem here: validate grades on the CPU
        print(f"{assignment.name} note: {missing}", file=log)
    ref = Course.of(assignment).solution_file(assignment)
    stub = Course.of(assignment).release_dir(assignment.name) / f"{assignment.student_file}.ipynb"
    if not stub.is_file():
        problems.append(f"release stub: {stub} does not exist (run `autograder release {assignment.name}`)")
    stub_bytes = stub.read_bytes() if stub.is_file() else b""
    candidates = [("reference", ref.name, ref.read_bytes(), True)]
    if stub_bytes:
        candidates += [("release stub", stub.name, stub_bytes, False),
                       ("stub returning None", stub.name,
                        stub_bytes.replace(b"raise NotImplementedError()", b"return None"), False)]
    for label, name, data, want_max in candidates:
        result = grade_submission(assignment, label, name, data)
        print(f"{assignment.name} {label}: {result.score:g} / {result.max_score:g} "
              f"({len(result.outcomes)} tests, {result.execution_time_s:.1f} s)", file=log)
        for o in result.outcomes:
            if o.grader_error:
                problems.append(f"{label}: grader error in {o.id}: {o.message}")
            elif want_max and o.fraction < 1:
                problems.append(f"{label}: {o.id} {o.status}: {o.message}")
        automatic = sum(p.max_score for p in result.parts if not p.manual)  # a person scores the manual parts
        if want_max and result.score < automatic:
            problems.append(f"{label} scores {result.score:g}, below the maximum {automatic:g}")
        if not want_max and result.score > 0:
            earned = ", ".join(o.id for o in result.outcomes if o.fraction > 0)
            problems.append(f"{label} scores {result.score:g}; it must score 0 (points from: {earned})")
    return problems
