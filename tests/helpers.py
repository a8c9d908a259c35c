"""Helpers shared by the project's tests (importable thanks to pytest's pythonpath)."""

from __future__ import annotations

from pathlib import Path

FIXTURE_COURSE = Path(__file__).parent / "fixtures" / "course"
REPO = Path(__file__).resolve().parent.parent


def part_scores(result) -> dict:
    return {p.name: p.score for p in result.parts}


def outcome(result, test_id: str):
    for o in result.outcomes:
        if o.id == test_id:
            return o
    raise KeyError(test_id)
