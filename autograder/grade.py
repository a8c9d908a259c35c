"""Grading one submission: extract -> run in the sandbox -> check -> score.

:func:`grade_submission` never raises for anything a student can cause; the
worst a submission can do is earn zero with a message saying why.
"""

from __future__ import annotations

import ast
import hashlib
import threading
import time
import types
from dataclasses import dataclass, field, replace
from pathlib import Path

from autograder import config, devices, extract, score, suite
from autograder.sandbox import launcher
from autograder.sandbox.child import SKIPPED_STATEMENTS
from autograder.sandbox.session import SessionConfig, StudentSession
from autograder.sandbox.student import Student

SCHEMA_VERSION = 1
_reference_lock = threading.Lock()
_references: dict[str, types.ModuleType] = {}


@dataclass(frozen=True)
class SubmissionResult:
    assignment: config.Assignment
    student: str
    filename: str
    sha256: str
    parts: tuple[score.PartScore, ...]
    notes: tuple[str, ...]
    printed: str
    mechanisms: tuple[str, ...]
    execution_time_s: float
    extra: dict = field(default_factory=dict)

    @property
    def score(self) -> float:
        return round(sum(p.score for p in self.parts), 4)

    @property
    def max_score(self) -> float:
        return sum(p.max_score for p in self.parts)

    @property
    def outcomes(self) -> list[suite.TestOutcome]:
        return [t.outcome for p in self.parts for t in p.tests]


def solution_file(assignment: config.Assignment) -> Path:
    for suffix in (".ipynb", ".py"):
        path = assignment.solution_dir / f"{assignment.student_file}{suffix}"
        if path.is_file():
            return path
    raise config.ConfigError(f"{assignment.solution_dir}: no {assignment.student_file}.ipynb or .py master solution")


def reference(assignment: config.Assignment) -> types.ModuleType:
    """The reference solution as a module of the trusted process (cached)."""
    with _reference_lock:
        if assignment.name not in _references:
            path = solution_file(assignment)
            found = extract.extract(path.name, path.read_bytes(), assignment.student_file)
            if found.source is None:
                raise config.ConfigError(f"{path}: {'; '.join(found.notes)}")
            module = types.ModuleType(f"_autograder_reference_{assignment.name}")
            module.__file__ = str(path)
            # The same top-level policy as for students: the master notebook's
            # demo loops and calls are for the reader, not for grading.
            tree = ast.parse(found.source, str(path))
            tree.body = [s for s in tree.body if not isinstance(s, SKIPPED_STATEMENTS)]
            exec(compile(tree, str(path), "exec"), module.__dict__)
            _references[assignment.name] = module
        return _references[assignment.name]


def grade_submission(assignment: config.Assignment, student: str, filename: str, data: bytes,
                     visibilities=suite.VISIBILITIES, slot: int = 0, notes: tuple[str, ...] = (),
                     device: str = "cpu", threads: int = 1, parts=None) -> SubmissionResult:
    """Grade one submission; ``device`` is what GPU parts get ('cpu' or 'cuda', already resolved);
    ``parts`` (names) limits grading to those parts' tests (the cluster grades GPU parts apart)."""
    started = time.monotonic()
    sha = hashlib.sha256(data).hexdigest()
    found = extract.extract(filename, data, assignment.student_file)
    if notes:
        found = replace(found, notes=tuple(notes) + found.notes)
    cases = suite.collect(assignment, visibilities, parts)
    if found.source is None:
        outcomes = [suite.TestOutcome(c.id, c.part, c.visibility, c.weight, "error", 0.0,
                                       "not run: no code could be read from your submission", 0.0) for c in cases]
        return _result(assignment, student, found, sha, outcomes, found.notes, "", [launcher.describe()], started,
                       device)
    budgets = assignment.budgets
    session = StudentSession(SessionConfig(
        source=found.source, filename=found.filename, module=assignment.student_file,
        allowed_imports=assignment.allowed_imports, course_rule=assignment.course_rule,
        limits=replace(budgets.limits(), threads=threads, cuda=device == "cuda"), call_timeout_s=budgets.call_timeout_s, load_timeout_s=budgets.load_timeout_s,
        statement_timeout_s=budgets.statement_timeout_s, slot=slot,
        preload=tuple(dict.fromkeys(("numpy", *assignment.allowed_imports)))))
    try:
        report = session.start()
        notes = list(found.notes) + [found.locate(n) for n in report.notes]
        fixtures = {"student": Student(session), "data": assignment.data_dir, "config": assignment,
                    "device": {p.name: devices.for_part(p.runner, device) for p in assignment.parts}}
        if any(c.visibility == "hidden" for c in cases):
            fixtures["reference"] = reference(assignment)
        deadline = started + budgets.submission_timeout_s
        outcomes = suite.run(cases, fixtures, deadline)
        outcomes = [_located(o, found) for o in outcomes]
        mechanisms = session.mechanisms
    finally:
        session.close()
    printed = session.printed()  # after close: the reader has drained the pipe
    return _result(assignment, student, found, sha, outcomes, notes, printed, mechanisms, started, device)


def _located(outcome: suite.TestOutcome, found: extract.Extracted) -> suite.TestOutcome:
    if not found.cells or "line " not in outcome.message:
        return outcome
    return replace(outcome, message=found.locate(outcome.message))


def _result(assignment, student, found, sha, outcomes, notes, printed, mechanisms, started, device) -> SubmissionResult:
    part_devices = {p.name: devices.for_part(p.runner, device) for p in assignment.parts}
    extra = {"device": device, "part_devices": part_devices,
             "part_budgets": {p.name: assignment.settings(part_devices[p.name])["budget_s"] for p in assignment.parts
                              if p.runner == "gpu" and "budget_s" in assignment.settings(part_devices[p.name])}}
    return SubmissionResult(
        assignment=assignment, student=student, filename=found.filename, sha256=sha,
        parts=tuple(score.score(assignment, outcomes)), notes=tuple(notes), printed=printed,
        mechanisms=tuple(mechanisms), execution_time_s=time.monotonic() - started, extra=extra)
