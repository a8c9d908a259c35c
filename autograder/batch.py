"""A batch: one loop over an executor.

``ingest`` finds the submissions, the gradebook says which are already
graded, an :class:`Executor` grades the rest (the local pool in
:mod:`autograder.pool`, or Dask workers in :mod:`autograder.cluster`) and
hands back unscored runs as they finish; this loop scores each one
(:func:`autograder.record.assemble`), commits its record to the gradebook,
then writes its files. An executor only schedules: it never scores, never
writes the gradebook and never writes a file.

Every submission ends as a record or as a grader fault, never as an
exception that ends the batch; an interrupted batch (Ctrl-C, a killed
process, a lost scheduler) resumes from the gradebook when run again.
"""

from __future__ import annotations

import functools
import hashlib
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Protocol

from autograder import __version__, ingest, record, report
from autograder.config import Assignment, ConfigError
from autograder.gradebook import Gradebook


@dataclass(frozen=True)
class Job:
    """One submission to grade: plain values, so that it can travel to a cluster."""

    student: str
    filename: str
    data: bytes
    notes: tuple[str, ...] = ()
    display: str = ""  # the student's name as found (``student`` is the safe id)

    @functools.cached_property
    def sha256(self) -> str:  # asked for by the gradebook, a fault and the cluster's check: hashed once
        return hashlib.sha256(self.data).hexdigest()


class Executor(Protocol):
    """What grades a batch's jobs: the local pool or a Dask cluster."""

    name: str  # the record's ``executor``: local | dask

    def open(self, assignment: Assignment, jobs: list[Job]) -> str:
        """Get ready and start grading; returns how, for the log ("with 2 slot(s); sandbox ...").

        Raises (DeviceError, ClusterError, ...) before anything is graded when it cannot grade at all.
        """

    def results(self) -> Iterator[tuple[Job, list[record.Run] | str]]:
        """Each job once, as it finishes: its runs, or why it is a grader fault."""

    def close(self) -> None:
        """Stop what is still running and free what ``open`` took; safe to call twice."""


def grade(assignment: Assignment, paths: list, out: Path, executor: Executor, regrade: bool = False,
          log=sys.stderr) -> tuple[list[record.Result], list[str]]:
    """Grade every submission under ``paths`` into ``out``; (records graded in this run, grader faults)."""
    from tqdm import tqdm

    submissions = ingest.find_submissions(paths, assignment.student_file, assignment.name,
                                          limits=assignment.intake)  # bad paths: nothing made
    book = Gradebook(out)
    results: list[record.Result] = []
    faults: list[str] = []
    started = time.monotonic()
    try:
        others = [a for a in book.assignments() if a != assignment.name]
        if others:
            raise ConfigError(f"{out} already holds grades of {others[0]}; use another --out folder")
        jobs, skipped = _todo(book, assignment, submissions, regrade)
        if not jobs:
            print(f"grading 0 submission(s) of {assignment.name} ({skipped} unchanged, skipped): nothing to do",
                  file=log)
        else:
            try:
                how = executor.open(assignment, jobs)
                print(f"grading {len(jobs)} submission(s) of {assignment.name} ({skipped} unchanged, skipped) "
                      + how, file=log)
                with tqdm(total=len(jobs), file=log, unit="sub", dynamic_ncols=True, mininterval=1.0) as bar:
                    for job, runs in executor.results():
                        if isinstance(runs, str):
                            faults.append(_fault(book, assignment, job, runs))
                        else:
                            try:
                                result = record.assemble(assignment, job.student, runs, executor.name, job.display)
                                book.save(result)  # committed before its files: a kill now loses nothing
                                report.write_student(out, result)
                                results.append(result)
                            except Exception as exc:  # a grader fault: recorded, the batch goes on
                                faults.append(_fault(book, assignment, job, f"{type(exc).__name__}: {exc}"))
                        bar.set_postfix(faults=len(faults), refresh=False)
                        bar.update(1)
            except BaseException as exc:
                if isinstance(exc, KeyboardInterrupt) or getattr(exc, "during_batch", False):
                    print(f"{'interrupted' if isinstance(exc, KeyboardInterrupt) else exc}: {len(results)} graded "
                          f"in this run are saved in {book.path}; run the same command again to resume", file=log)
                raise
            finally:
                executor.close()
        report.rebuild(out, book, assignment)
        elapsed = time.monotonic() - started
        print(report.summary_table(book.rows(assignment.name), assignment), file=log)
        unreadable = sum(r.status == "unreadable" for r in results)
        print(f"done: {len(results) - unreadable} graded, {unreadable} unreadable, {skipped} skipped as unchanged, "
              f"{len(faults)} grader fault(s), "
              f"{elapsed:.1f} s ({len(results) / elapsed if elapsed else 0:.2f} submissions/s); "
              f"gradebook: {out / 'gradebook.csv'}; summary: {out / 'summary.html'}", file=log)
    finally:
        book.close()
    return results, faults


def _todo(book: Gradebook, assignment: Assignment, submissions: list[ingest.Submission],
          regrade: bool) -> tuple[list[Job], int]:
    """The jobs to grade, and how many submissions are skipped as unchanged."""
    jobs, skipped = [], 0
    for sub in submissions:
        job = job_of(sub, assignment)
        if not regrade and book.is_current(assignment.name, job.student, job.sha256, __version__):
            skipped += 1
        else:
            jobs.append(job)
    return jobs, skipped


def job_of(sub: ingest.Submission, assignment: Assignment) -> Job:
    """A found submission read into a job; a file that cannot be read is a job with no bytes and a note
    saying why (unreadable for this student only, never an exception)."""
    note = sub.note
    try:
        data = sub.read(assignment.intake)
    except (OSError, KeyError, zipfile.BadZipFile, RuntimeError, ingest.Refused) as exc:
        why = str(exc) if isinstance(exc, ingest.Refused) else f"{sub.name} could not be read ({exc})"
        data, note = b"", "; ".join(filter(None, (note, why)))
        sub = ingest.Submission(sub.student, None, note, display=sub.display)
    return Job(sub.student, sub.name, data, (note,) if note else (), sub.display)


def _fault(book: Gradebook, assignment: Assignment, job: Job, why: str) -> str:
    """A grader fault's row (graded again by the next run); the line for the fault list."""
    book.save_fault(assignment.name, job.student, job.sha256, why)
    return f"{job.student}: {why}"


def rebuild_reports(out: Path, assignment_of) -> Path:
    """Every output file of ``out`` again, from its gradebook alone; ``assignment_of(name)`` loads the assignment."""
    from autograder.gradebook import FILE_NAME
    if not (out / FILE_NAME).is_file():
        raise FileNotFoundError(f"{out / FILE_NAME}: no gradebook here (grade into {out} first)")
    book = Gradebook(out)
    try:
        names = book.assignments()
        if not names:
            raise ConfigError(f"{out / FILE_NAME} holds no graded submission")
        report.rebuild(out, book, assignment_of(names[0]))
    finally:
        book.close()
    return out / "summary.html"
