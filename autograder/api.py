"""The Python API behind each command; the CLI only parses arguments.

Tests call these functions directly.
"""

from __future__ import annotations

import hashlib
import os
import queue
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from autograder import __version__, config, devices, gradebook, ingest, report
from autograder.grade import SubmissionResult, grade_submission, reference, solution_file
from autograder.sandbox import launcher, zygote


def grade_file(assignment_name: str, path: str | os.PathLike, visibilities=("public", "hidden")) -> dict:
    """Grade one file with every test; the results.json dict."""
    assignment = config.find(assignment_name)
    path = Path(path)
    result = grade_submission(assignment, path.stem, path.name, path.read_bytes(), visibilities)
    return report.results_json(result)


def usable_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return os.cpu_count() or 1


def grade_batch(assignment_name: str, paths: list, out: str | os.PathLike, jobs: int | None = None,
                log=sys.stderr, device: str = "auto", regrade: bool = False,
                cluster: str | None = None) -> tuple[list[SubmissionResult], list[str]]:
    """Grade every submission under ``paths`` into ``out``; returns (newly graded results, grader faults).

    Submissions already in ``out``'s gradebook with the same content and
    grader version are skipped unless ``regrade``. A device that cannot be
    used raises DeviceError before anything is graded. ``cluster``: a Dask
    scheduler's address; the workers grade instead of the local pool.
    """
    from tqdm import tqdm

    assignment = config.find(assignment_name)
    requested_device = device
    device = devices.resolve(device, assignment) if cluster is None else "cpu"  # a cluster's workers resolve it
    out = Path(out)
    submissions = ingest.find_submissions(paths, assignment.student_file, assignment.name)  # bad paths: nothing made
    book = gradebook.Gradebook(out)
    others = [a for a in book.assignments() if a != assignment.name]
    if others:
        book.close()
        raise config.ConfigError(f"{out} already holds grades of {others[0]}; use another --out folder")
    jobs = jobs or usable_cores()
    threads = max(1, usable_cores() // jobs)
    todo, skipped = [], 0
    for i, sub in enumerate(submissions):
        try:
            data = sub.read()
        except (OSError, KeyError, zipfile.BadZipFile, RuntimeError) as exc:  # reported for this student only
            data = b""
            submissions[i] = sub = ingest.Submission(sub.student, None, f"{sub.name} could not be read ({exc})")
        if not regrade and book.is_current(assignment.name, sub.student, hashlib.sha256(data).hexdigest(), __version__):
            skipped += 1
        else:
            todo.append((sub, data))
    if cluster is not None:  # --cluster: the Dask runner grades `todo`, then records as below (cluster.py)
        from autograder import cluster as dask_cluster
        return dask_cluster.grade_todo(assignment, todo, skipped, out, book, cluster, requested_device, log)
    if todo and any(assignment.tests_dir("hidden").glob("test_*.py")):
        reference(assignment)  # load once, before the threads
    print(f"grading {len(todo)} submission(s) of {assignment.name} ({skipped} unchanged, skipped) with {jobs} "
          f"worker(s); sandbox {launcher.describe()}" + (f"; GPU parts on {device}" if assignment.has_gpu_parts else ""),
          file=log)
    slots: queue.Queue = queue.Queue()
    for i in range(jobs):
        slots.put(i)

    def work(sub: ingest.Submission, data: bytes) -> SubmissionResult:
        slot = slots.get()
        try:
            result = grade_submission(assignment, sub.student, sub.name, data, slot=slot,
                                      notes=(sub.note,) if sub.note else (), device=device, threads=threads)
            save_result(book, out, result, report.results_json(result), report.feedback_md(result))
            return result
        finally:
            slots.put(slot)

    results, faults = [], []
    started = time.monotonic()
    pool = ThreadPoolExecutor(max_workers=jobs)
    try:
        futures = {pool.submit(work, s, d): (s, d) for s, d in todo}
        with tqdm(total=len(todo), file=log, unit="sub", dynamic_ncols=True, mininterval=1.0) as bar:
            for future in as_completed(futures):
                sub, data = futures[future]
                try:
                    results.append(future.result())
                except Exception as exc:  # a grader fault: recorded, the batch goes on
                    faults.append(save_fault(book, assignment, sub.student, data, f"{type(exc).__name__}: {exc}"))
                bar.set_postfix(faults=len(faults), refresh=False)
                bar.update(1)
    except KeyboardInterrupt:
        pool.shutdown(wait=False, cancel_futures=True)
        print(f"interrupted: {len(results)} graded in this run are saved in {book.path}; "
              "run the same command again to resume", file=log)
        raise
    finally:
        pool.shutdown(wait=True)
        zygote.shutdown()  # the warm boxes end with the batch
    finish_batch(out, book, assignment, len(results), skipped, len(faults), started, log)
    return results, faults


# -- shared by the local pool and the cluster runner (autograder/cluster.py) --
def save_result(book: gradebook.Gradebook, out: Path, result: SubmissionResult, results: dict, feedback: str) -> None:
    """One graded submission: its gradebook row is committed first, then its files are written."""
    book.record(result.assignment.name, result.student, result.sha256, __version__, results, feedback)
    report.write_student(out, result.student, results, feedback, result.assignment.title)


def save_fault(book: gradebook.Gradebook, assignment: config.Assignment, student: str, data: bytes, why: str) -> str:
    """A grader fault's row (graded again by the next run); the line for the fault list."""
    book.record(assignment.name, student, hashlib.sha256(data).hexdigest(), __version__, None, None, fault=why)
    return f"{student}: {why}"


def finish_batch(out: Path, book: gradebook.Gradebook, assignment: config.Assignment, graded: int, skipped: int,
                 faults: int, started: float, log) -> None:
    """Every output file from the gradebook, the closing table and line; closes ``book``."""
    report.rebuild(out, book, assignment)
    elapsed = time.monotonic() - started
    print(report.summary_table(book.rows(assignment.name), assignment), file=log)
    print(f"done: {graded} graded, {skipped} skipped as unchanged, {faults} grader fault(s), "
          f"{elapsed:.1f} s ({graded / elapsed if elapsed else 0:.2f} submissions/s); "
          f"gradebook: {out / 'gradebook.csv'}; summary: {out / 'summary.html'}", file=log)
    book.close()


def rebuild_reports(out: str | os.PathLike) -> Path:
    """``autograder report OUT``: every output file again, from the gradebook alone."""
    out = Path(out)
    if not (out / gradebook.FILE_NAME).is_file():
        raise FileNotFoundError(f"{out / gradebook.FILE_NAME}: no gradebook here (grade into {out} first)")
    book = gradebook.Gradebook(out)
    try:
        names = book.assignments()
        if not names:
            raise config.ConfigError(f"{out / gradebook.FILE_NAME} holds no graded submission")
        report.rebuild(out, book, config.find(names[0]))
    finally:
        book.close()
    return out / "summary.html"


def check(assignment_name: str, path: str | os.PathLike, log=sys.stdout) -> int:
    """A student's local run of the public tests; 0 when all pass."""
    assignment = config.find(assignment_name)
    path = Path(path)
    result = grade_submission(assignment, path.stem, path.name, path.read_bytes(), visibilities=("public",))
    for note in result.notes:
        print(f"note: {note}", file=log)
    ok = True
    for part in result.parts:
        for t in part.tests:
            o = t.outcome
            passed = o.fraction >= 1
            ok &= passed
            print(f"{'PASS' if passed else 'FAIL'}  {o.id}" + ("" if passed else f"\n      {o.message}"), file=log)
    total = len(result.outcomes)
    npass = sum(o.fraction >= 1 for o in result.outcomes)
    print(f"{npass}/{total} public tests passed. The hidden tests check more cases; passing these is a start.",
          file=log)
    return 0 if ok and total else 1


def validate(assignment_name: str, log=sys.stdout) -> list[str]:
    """Problems found: the reference must reach the maximum; the release stubs,
    and the same stubs returning None instead of raising, must score zero; no
    test may break on any of them (a grader error)."""
    assignment = config.find(assignment_name)
    problems = []
    ref = solution_file(assignment)
    stub = assignment.release_dir / f"{assignment.student_file}.ipynb"
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
        if want_max and result.score < result.max_score:
            problems.append(f"{label} scores {result.score:g}, below the maximum {result.max_score:g}")
        if not want_max and result.score > 0:
            earned = ", ".join(o.id for o in result.outcomes if o.fraction > 0)
            problems.append(f"{label} scores {result.score:g}; it must score 0 (points from: {earned})")
    return problems
