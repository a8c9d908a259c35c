"""Helpers shared by the project's tests (importable thanks to pytest's pythonpath)."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from autograder.sandbox import zygote
from autograder.sandbox.limits import Limits

FIXTURE_COURSE = Path(__file__).parent / "fixtures" / "course"
REPO = Path(__file__).resolve().parent.parent

needs_warm = pytest.mark.skipif(not zygote.enabled(Limits()), reason="warm boxes need bubblewrap")


def comparable_record(result) -> dict:
    """A result record as a dict, without the runner's metadata (executor, workers, the sandbox layers of
    the machine that ran it) and the times, which differ between any two runs; everything else must be
    equal wherever it was graded."""
    data = result.to_dict()
    for key in ("execution_time_s", "executor", "sandbox"):
        data.pop(key)
    for part in data["parts"]:
        part.pop("worker")
        for test in part["tests"]:
            test.pop("duration_s")
    return data


def part_scores(result) -> dict:
    return {p.name: p.score for p in result.parts}


def outcome(result, test_id: str):
    for o in result.outcomes:
        if o.id == test_id:
            return o
    raise KeyError(test_id)


@contextlib.contextmanager
def student_process(source: str, allowed: tuple[str, ...] = ("numpy",), **config):
    """The ``student`` proxy of a started student process that loaded ``source`` as module ``m``; closed
    on leaving. ``config``: more SessionConfig fields (limits, call_timeout_s, ...)."""
    from autograder.sandbox.session import SessionConfig, StudentSession
    from autograder.sandbox.student import Student

    session = StudentSession(SessionConfig(source, "m.py", "m", tuple(allowed), **config))
    try:
        session.start()
        yield Student(session)
    finally:
        session.close()
