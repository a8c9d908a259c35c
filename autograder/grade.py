"""Grading one submission: extract -> run in the sandbox -> check -> score.

:func:`run_parts` never raises for anything a student can cause; the worst a
submission can do is earn zero with a message saying why. It returns an
unscored :class:`~autograder.record.Run`; :func:`grade_submission` scores it
into the result record (:func:`autograder.record.assemble`).

:func:`session_config` is the one place where an assignment's budgets become
a student process's settings: grading, ``check``, ``validate`` and the pytest
plugin all start their sessions from it.
"""

from __future__ import annotations

import ast
import hashlib
import os
import threading
import time
import types
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

from autograder import calls, devices, early, extract, record, suite
from autograder.config import Assignment, ConfigError
from autograder.course import Course
from autograder.sandbox import launcher
from autograder.sandbox.session import SessionConfig, StudentSession
from autograder.sandbox.student import Student

_reference_lock = threading.Lock()
_references: dict[Path, types.ModuleType] = {}


def _collector_pool() -> ThreadPoolExecutor:
    """The pool that collects each submission's tests while its slot starts the student's process (run_parts).

    One pool for the process, its threads kept: a new thread per submission cost a slot several milliseconds
    of waiting for it to start on a busy machine. Idle threads cost nothing and do not hold the process open
    at exit."""
    return ThreadPoolExecutor(max_workers=8, thread_name_prefix="collect-tests")


_collector = _collector_pool()


def _renew_collector() -> None:
    """In a forked process (a course's own multiprocessing script calling the api): the pool there has none
    of its threads, though it believes it has idle ones, so its work would never run. A new pool instead."""
    global _collector
    _collector = _collector_pool()


os.register_at_fork(after_in_child=_renew_collector)


def session_config(assignment: Assignment, source: str, filename: str, slot: int = 0, device: str = "cpu",
                   threads: int = 1, call_limits: calls.CallLimits | None = None) -> SessionConfig:
    """The student process's settings for ``assignment``: its budgets, imports and rule.

    ``device`` is what the session's GPU parts get ('cuda' gives the process the GPUs); ``call_limits``
    the limit of each call, from the reference's times (:func:`call_limits`; None: ``call_timeout_s``).
    """
    b = assignment.budgets
    limits, preload = early.box_settings(assignment, device, threads)
    return SessionConfig(
        source=source, filename=filename, module=assignment.student_file,
        allowed_imports=assignment.allowed_imports, course_rule=assignment.course_rule, limits=limits,
        call_timeout_s=b.call_timeout_s, load_timeout_s=b.load_timeout_s, statement_timeout_s=b.statement_timeout_s,
        slot=slot, preload=preload, call_limits=call_limits)


def reference(assignment: Assignment) -> types.ModuleType:
    """The reference solution as a module of the trusted process.

    Cached per assignment folder: a cluster worker that receives a new
    version of the course unpacks it into a new folder, and so gets that
    version's reference.
    """
    with _reference_lock:
        if assignment.root not in _references:
            path = Course.of(assignment).solution_file(assignment)
            found = extract.extract(path.name, path.read_bytes(), assignment.student_file)
            if found.source is None:
                raise ConfigError(f"{path}: {'; '.join(found.notes)}")
            from autograder.sandbox.child import SKIPPED_STATEMENTS
            module = types.ModuleType(f"_autograder_reference_{assignment.name}")
            module.__file__ = str(path)
            # The same top-level policy as for students: the master notebook's
            # demo loops and calls are for the reader, not for grading.
            tree = ast.parse(found.source, str(path))
            tree.body = [s for s in tree.body if not isinstance(s, SKIPPED_STATEMENTS)]
            exec(compile(tree, str(path), "exec"), module.__dict__)
            _references[assignment.root] = module
        return _references[assignment.root]


def call_limits(assignment: Assignment, device: str = "cpu", parts: tuple[str, ...] | None = None,
                slot: int = 0) -> calls.CallLimits | None:
    """Each call's time limit for grading ``parts`` on ``device`` in this process, from the reference's own
    times (``autograder/calls.py``): the reference is graded once per process the first time, in sandbox
    slot ``slot`` (one the caller holds); None when the course has no reference solution or it could not
    be graded."""
    parts = tuple(p.name for p in assignment.parts) if parts is None else tuple(parts)
    try:
        path = Course.of(assignment).solution_file(assignment)
    except ConfigError:
        return None

    def measure() -> calls.CallTimes:
        times = calls.CallTimes()
        run_parts(assignment, path.name, path.read_bytes(), slot=slot, device=device, parts=parts, times=times)
        return times

    try:
        return calls.for_run(assignment, device, parts, measure)
    except Exception:  # the reference could not be graded here (a sandbox that cannot start): the
        return None    # submissions' own grading says why; their calls keep the fixed limit


def grade_submission(assignment: Assignment, student: str, filename: str, data: bytes,
                     visibilities=suite.VISIBILITIES, slot: int = 0, notes: tuple[str, ...] = (),
                     device: str = "cpu", threads: int = 1, parts: tuple[str, ...] | None = None,
                     found: extract.Extracted | None = None,
                     limits: calls.CallLimits | None = None) -> record.Result:
    """Grade the parts ``parts`` (default: every part) of one submission here; its result record."""
    run = run_parts(assignment, filename, data, visibilities, slot=slot, notes=notes, device=device,
                    threads=threads, parts=parts, found=found, limits=limits)
    return record.assemble(assignment, student, [run])


def run_parts(assignment: Assignment, filename: str, data: bytes, visibilities=suite.VISIBILITIES,
              slot: int = 0, notes: tuple[str, ...] = (), device: str = "cpu", threads: int = 1,
              parts: tuple[str, ...] | None = None, worker: str = "",
              found: extract.Extracted | None = None, limits: calls.CallLimits | None = None,
              times: calls.CallTimes | None = None) -> record.Run:
    """Run the tests of ``parts`` (default: all) on one submission; unscored.

    ``device`` is what GPU parts get ('cpu' or 'cuda', already resolved);
    ``slot`` picks the sandbox's uid and warm box; ``threads`` is the
    process's share of the cores. ``found``: the code already extracted
    from ``data`` (the cells a notebook's kernel ran: ``extract.from_cells``),
    labelled the way the student knows them. ``limits``: each call's time limit (:func:`call_limits`);
    ``times``: where to record how long each call took (to measure the reference).
    """
    started = time.monotonic()
    sha = hashlib.sha256(data).hexdigest()
    if found is None:
        found = extract.extract(filename, data, assignment.student_file, assignment.intake)
    if notes:
        found = replace(found, notes=tuple(notes) + found.notes)
    parts = tuple(p.name for p in assignment.parts) if parts is None else tuple(parts)
    if found.source is None:
        cases = suite.collect(assignment, visibilities, parts)
        outcomes = [suite.TestOutcome(c.id, c.part, c.visibility, c.weight, "error", 0.0,
                                      "not run: no code could be read from your submission", 0.0) for c in cases]
        return record.Run(found.filename, sha, parts, device, tuple(outcomes), tuple(found.notes), "",
                          (launcher.describe(),), time.monotonic() - started, worker,
                          unreadable="; ".join(found.notes) or "no code could be read")
    session = StudentSession(session_config(assignment, found.source, found.filename, slot, device, threads,
                                            limits))
    if times is not None:
        session.call_times = times
    # The tests are collected (and the reference loaded) in a thread while this one starts the student's
    # process, which is mostly waiting (a new box imports numpy: 0.15 s). Not the other way round: the
    # box dies with the thread that started it (bubblewrap's --die-with-parent is per thread).
    collecting = _collector.submit(_cases_and_reference, assignment, visibilities, parts)
    try:
        loaded = session.start()
        cases, ref = collecting.result()
        run_notes = list(found.notes) + [found.locate(n) for n in loaded.notes]
        fixtures = {"student": Student(session), "data": assignment.data_dir, "config": assignment,
                    "device": {p.name: devices.for_part(p.runner, device) for p in assignment.parts}}
        if ref is not None:
            fixtures["reference"] = ref
        deadline = started + assignment.budgets.submission_timeout_s
        outcomes = [_located(o, found) for o in suite.run(cases, fixtures, deadline, session.begin_test)]
        sandbox = tuple(session.mechanisms)
    finally:
        collecting.cancel()  # not yet started (start() raised): not needed any more
        session.close()
    printed = session.printed()  # after close: the reader has drained the pipe
    return record.Run(found.filename, sha, parts, device, tuple(outcomes), tuple(run_notes), printed, sandbox,
                      time.monotonic() - started, worker, source=found.source)


def _cases_and_reference(assignment: Assignment, visibilities, parts: tuple[str, ...]):
    """The tests to run, and the reference module when a hidden test is among them (else None)."""
    cases = suite.collect(assignment, visibilities, parts)
    return cases, reference(assignment) if any(c.visibility == "hidden" for c in cases) else None


def _located(outcome: suite.TestOutcome, found: extract.Extracted) -> suite.TestOutcome:
    """The outcome with the places the sandbox named in its message as the student sees them."""
    located = found.locate(outcome.message)
    return outcome if located == outcome.message else replace(outcome, message=located)
