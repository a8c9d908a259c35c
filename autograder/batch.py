"""A batch: one loop over an executor.

``ingest`` finds the submissions, the gradebook says which are already
graded, an :class:`Executor` grades the rest (the local pool in
:mod:`autograder.pool`, or Dask workers in :mod:`autograder.cluster`) and
hands back unscored runs as they finish; this loop scores each one
(:func:`autograder.record.assemble`), commits its record to the gradebook
with the code extracted from it (for ``autograder similarity``), then writes
its files. An executor only schedules: it never scores, never
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

from autograder import __version__, extract, ingest, record, report, safe
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
    people: tuple[record.Who, ...] = ()  # who it is filed for: one, or each member of a group

    @property
    def who(self) -> tuple[record.Who, ...]:
        return self.people or (record.Who(self.student, self.display),)

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
          log=sys.stderr, people: list | None = None) -> tuple[list[record.Result], list[str]]:
    """Grade every submission under ``paths`` into ``out``; (records graded in this run, grader faults).

    ``people``: a roster (:func:`autograder.roster.load`) to keep in the gradebook for every output made
    from it; None keeps the one it has."""
    from tqdm import tqdm

    submissions = ingest.find_submissions(paths, assignment.student_file, assignment.name,
                                          limits=assignment.intake)  # bad paths: nothing made
    for sub in submissions:
        if sub.clash:
            print(f"note: {safe.clean(sub.clash)}", file=log)
    book = Gradebook(out)
    results: list[record.Result] = []
    faults: list[str] = []
    started = time.monotonic()
    try:
        others = [a for a in book.assignments() if a != assignment.name]
        if others:
            raise ConfigError(f"{out} already holds grades of {others[0]}; use another --out folder")
        if people is not None:
            book.save_roster(people)
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
                                source = _source(assignment, job)
                                for who in job.who:  # a group's members each get the group's grade
                                    result = record.assemble(assignment, who, runs, executor.name)
                                    book.save(result, source)  # committed before its files: a kill loses nothing
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
        _attention(book, assignment, log)
        print(f"done: {len(results) - unreadable} graded, {unreadable} unreadable, {skipped} skipped as unchanged, "
              f"{len(faults)} grader fault(s), "
              f"{elapsed:.1f} s ({len(results) / elapsed if elapsed else 0:.2f} submissions/s); "
              f"gradebook: {out / 'gradebook.csv'}; summary: {out / 'summary.html'}", file=log)
    finally:
        book.close()
    return results, faults


def _attention(book: Gradebook, assignment: Assignment, log) -> None:
    """A line per status that needs a person (to review, missing from the roster), naming the first ones."""
    lines = book.class_list(assignment.name)
    for status in ("needs_review", "missing"):
        ids = [safe.clean(line.student) for line in lines if line.status == status]
        if ids:
            print(f"{status.replace('_', ' ')} ({len(ids)}): {', '.join(ids[:10])}{' ...' if len(ids) > 10 else ''}",
                  file=log)


def _todo(book: Gradebook, assignment: Assignment, submissions: list[ingest.Submission],
          regrade: bool) -> tuple[list[Job], int]:
    """The jobs to grade, and how many submissions are skipped as unchanged."""
    jobs, skipped = [], 0
    for members in _handins(submissions):
        job = job_of(members, assignment)
        if not regrade and all(book.is_current(assignment.name, who.student, job.sha256, __version__)
                               for who in job.who):
            skipped += 1
            _keep_source(book, assignment, job)
        else:
            jobs.append(job)
    return jobs, skipped


def _source(assignment: Assignment, job: Job) -> str | None:
    """The code that was graded, as the sandbox loaded it (None when none could be read)."""
    return extract.extract(job.filename, job.data, assignment.student_file, assignment.intake).source


def _keep_source(book: Gradebook, assignment: Assignment, job: Job) -> None:
    """Store the code of an unchanged submission graded before sources were kept: running ``grade`` again
    readies an older gradebook for ``similarity`` without grading anything again."""
    missing = [w for w in job.who if not book.has_source(assignment.name, w.student, job.sha256)]
    source = _source(assignment, job) if missing else None
    for who in missing if source is not None else ():
        book.save_source(assignment.name, who.student, job.sha256, source)


def _handins(submissions: list[ingest.Submission]) -> list[list[ingest.Submission]]:
    """The submissions to grade, each once: the members of a group submission together."""
    out: list[list[ingest.Submission]] = []
    group_of: dict[str, list[ingest.Submission]] = {}
    for sub in submissions:
        if not sub.group:
            out.append([sub])
        elif sub.group in group_of:
            group_of[sub.group].append(sub)
        else:
            group_of[sub.group] = [sub]
            out.append(group_of[sub.group])
    return out


def job_of(members: list[ingest.Submission], assignment: Assignment) -> Job:
    """A found submission (one student's, or a group's members' alike) read into a job; a file that cannot be
    read is a job with no bytes and a note saying why (unreadable for this student only, never an exception)."""
    sub, name, note = members[0], members[0].name, members[0].note
    try:
        data = sub.read(assignment.intake)
    except (OSError, KeyError, zipfile.BadZipFile, RuntimeError, ingest.Refused) as exc:
        why = str(exc) if isinstance(exc, ingest.Refused) else f"{sub.name} could not be read ({exc})"
        data, name, note = b"", "(no file)", "; ".join(filter(None, (note, why)))
    return Job(sub.student, name, data, (note,) if note else (), sub.display, tuple(m.who() for m in members))


def _fault(book: Gradebook, assignment: Assignment, job: Job, why: str) -> str:
    """A grader fault's row (graded again by the next run); the line for the fault list."""
    for who in job.who:
        book.save_fault(assignment.name, who.student, job.sha256, why)
    return f"{'+'.join(w.student for w in job.who)}: {why}"


def rebuild_reports(out: Path, assignment_of, people: list | None = None) -> Path:
    """Every output file of ``out`` again, from its gradebook alone; ``assignment_of(name)`` loads the assignment.
    ``people``: a roster to keep from now on (None: the one the gradebook has)."""
    from autograder.gradebook import FILE_NAME
    if not (out / FILE_NAME).is_file():
        raise FileNotFoundError(f"{out / FILE_NAME}: no gradebook here (grade into {out} first)")
    book = Gradebook(out)
    try:
        names = book.assignments()
        if not names:
            raise ConfigError(f"{out / FILE_NAME} holds no graded submission")
        if people is not None:
            book.save_roster(people)
        report.rebuild(out, book, assignment_of(names[0]))
    finally:
        book.close()
    return out / "summary.html"
