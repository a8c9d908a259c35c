"""Points from outcomes: a pure function of the test results and the rubric.

A part's points are shared among its tests by weight; a test earns its share
times its fraction (1 for a pass, the awarded fraction for partial credit,
0 otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass

from autograder.config import Assignment
from autograder.suite import TestOutcome


@dataclass(frozen=True)
class ScoredTest:
    outcome: TestOutcome
    score: float
    max_score: float


@dataclass(frozen=True)
class PartScore:
    name: str
    title: str
    score: float
    max_score: float
    tests: tuple[ScoredTest, ...]


def score(assignment: Assignment, outcomes: list[TestOutcome]) -> list[PartScore]:
    parts = []
    for part in assignment.parts:
        mine = [o for o in outcomes if o.part == part.name]
        total_weight = sum(o.weight for o in mine)
        scored = tuple(
            ScoredTest(o, part.points * o.weight / total_weight * o.fraction, part.points * o.weight / total_weight)
            for o in mine
        )
        earned = sum(t.score for t in scored)
        # a manual part is worth its points before a person scores it (0 until then: never full marks by default)
        parts.append(PartScore(part.name, part.title, _round(earned), part.points if mine or part.manual else 0.0,
                               scored))
    return parts


def _round(x: float) -> float:
    """Scores to 4 decimals so that shares like 20/3 add up without float noise."""
    return round(x + 0.0, 4)
