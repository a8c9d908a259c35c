"""Shared fixtures: the mini fixture course and a way to grade a source string."""

from __future__ import annotations

import os

import pytest

from autograder import course, grade
from helpers import FIXTURE_COURSE

# No check server outlives a test that runs `autograder check` (tests/test_check_server.py starts its own).
os.environ["AUTOGRADER_KEEP_S"] = "0"


@pytest.fixture
def mini(monkeypatch):
    """The mini assignment, with the fixture course as the course folder."""
    monkeypatch.chdir(FIXTURE_COURSE)
    return course.find("mini")


@pytest.fixture
def grade_source(mini):
    """Grade ``source`` (str or bytes) submitted as ``filename``; returns the SubmissionResult."""

    def run(source, filename="mini.py"):
        data = source.encode() if isinstance(source, str) else source
        return grade.grade_submission(mini, "student", filename, data)

    return run

