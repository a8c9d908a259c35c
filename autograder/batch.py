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

from autograder import __version__, answers, audit, extract, ingest, record, report, safe, standing
from autograder.config import Assignment, ConfigError
from autograder.course import Course
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
          log=sys.stderr, people: list | None = None,
          only: list[str] | None = None) -> tuple[list[record.Result], list[str]]:
    """Grade every submission under ``paths`` into ``out``; (records graded in this run, grader faults).

    A submission is graded unless its current grade is from the same bytes, grader version and grading
    material; ``regrade`` grades all again, ``only`` (ids or names) those students alone. A regrade of the
    same bytes is compared with the grade it replaces into ``OUT/changes.csv``. ``people``: a roster
    (:func:`autograder.roster.load`) to keep in the gradebook; None keeps the one it has."""
    from tqdm import tqdm

    submissions = ingest.find_submissions(paths, assignment.student_file, assignment.name,
                                          limits=assignment.intake)  # bad paths: nothing made
    submissions = _only(submissions, only) if only else submissions
    for sub in submissions:
        if sub.clash:
            print(f"note: {safe.clean(sub.clash)}", file=log)
    material = Course.of(assignment).material(assignment)
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
        context = standing.Context.of(book, assignment)  # a wrong course.yaml stops before grading
        jobs, skipped, before = _todo(book, assignment, submissions, regrade or bool(only), material)
        changes: list[audit.Change] = []
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
                                source = next((r.source for r in runs if r.source), None)  # extracted once
                                for who in job.who:  # a group's members each get the group's grade
                                    result = answers.attach(record.assemble(assignment, who, runs, executor.name),
                                                            assignment, job.filename, job.data)
                                    book.save(result, material, source)  # committed before its files
                                    seen = standing.finalize(result, context)  # as the course sees it
                                    report.write_student(out, seen)
                                    results.append(seen)
                                    if who.student in before:
                                        old, why = before[who.student]
                                        changes.append(audit.compare(old, result, why))
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
        rows, lines = report.rebuild(out, book, assignment, context, written={r.student: r for r in results})
        if changes:
            audit.write(out, changes)
        elapsed = time.monotonic() - started
        print(report.summary_table(rows, assignment), file=log)
        unreadable = sum(r.status == "unreadable" for r in results)
        _attention(lines, log)
        print(f"done: {len(results) - unreadable} graded, {unreadable} unreadable, {skipped} skipped as unchanged, "
              f"{len(faults)} grader fault(s), "
              f"{elapsed:.1f} s ({len(results) / elapsed if elapsed else 0:.2f} submissions/s); "
              f"gradebook: {out / 'gradebook.csv'}; summary: {out / 'summary.html'}", file=log)
        if changes:
            changed = sum(c.changed for c in changes)
            print(f"regraded {len(changes)} unchanged submission(s) ({', '.join(sorted({c.why for c in changes}))}):"
                  f" {changed} changed their total or tests; see {out / audit.FILE_NAME} before publishing",
                  file=log)
    finally:
        book.close()
    return results, faults


def _attention(lines: list, log) -> None:
    """A line per status that needs a person (to review, missing from the roster), naming the first ones."""
    for status in ("needs_review", "missing"):
        ids = [safe.clean(line.student) for line in lines if line.status == status]
        if ids:
            print(f"{status.replace('_', ' ')} ({len(ids)}): {', '.join(ids[:10])}{' ...' if len(ids) > 10 else ''}",
                  file=log)


def _todo(book: Gradebook, assignment: Assignment, submissions: list[ingest.Submission], regrade: bool,
          material: str) -> tuple[list[Job], int, dict]:
    """The jobs to grade, how many submissions are skipped as current, and for the students whose same
    bytes are graded again, (their current record, why) to compare the new grading with."""
    jobs, skipped, before = [], 0, {}
    for members in _handins(submissions):
        job = job_of(members, assignment)
        stale = {who.student: _stale(book.current(assignment.name, who.student), job.sha256, material, regrade)
                 for who in job.who}
        if not any(stale.values()):
            skipped += 1
            _keep_source(book, assignment, job)
            continue
        jobs.append(job)
        for student, (why, row) in ((s, v) for s, v in stale.items() if v):
            if row is not None and row.sha256 == job.sha256 and row.result is not None:
                before[student] = (row.result, why)
    return jobs, skipped, before


def _stale(row, sha256: str, material: str, regrade: bool) -> tuple[str, object] | None:
    """Why a student's current grade (``row``) does not stand for these bytes, with the row; None if it does."""
    if row is None or row.sha256 != sha256 or row.result is None:
        return "new", row
    if row.grader_version != __version__:
        return "grader version", row
    if row.material != material:
        return "grading material", row
    return ("asked", row) if regrade else None


def _only(submissions: list[ingest.Submission], only: list[str]) -> list[ingest.Submission]:
    """The submissions of the students named (by id or by name as found); ConfigError for a name that
    matches none, before anything is graded."""
    wanted = {name.casefold() for name in only}
    chosen = [s for s in submissions if {s.student.casefold(), s.display.casefold()} & wanted
              or any(m.casefold() in wanted for m in s.members)]
    unknown = wanted - {k.casefold() for s in chosen for k in (s.student, s.display, *s.members)}
    if unknown:
        raise ConfigError(f"--only: no submission of {', '.join(sorted(unknown))} under the paths given")
    return chosen


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
    from autograder.gradebook import graded
    with graded(out, assignment_of) as (book, assignment):
        if people is not None:
            book.save_roster(people)
        report.rebuild(out, book, assignment)
    return out / "summary.html"
