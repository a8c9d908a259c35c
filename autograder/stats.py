"""What the batch says about the assignment: per-test failure rates and discrimination, recognised
mistakes counted in students. Pure functions of result records, so that each number on the TA's page
(:mod:`autograder.summary`) can be checked by hand on a few records.

Only records whose code could be read count (:func:`graded`): an unreadable submission says nothing about
a test, and counting it as failing every test would make every test look hard and discriminating.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from autograder.record import Result


def graded(rows: list) -> list[Result]:
    """The records whose code could be read: the only ones counted in means, histograms and statistics."""
    return [r.result for r in rows if r.result and r.result.status != "unreadable"]


def unreadable(rows: list) -> list[Result]:
    """Submissions with nothing to grade: listed apart, never counted as an ordinary zero."""
    return [r.result for r in rows if r.result and r.result.status == "unreadable"]


def part_score(result: Result, name: str) -> float:
    return next((p.score for p in result.parts if p.name == name), 0.0)


@dataclass(frozen=True)
class TestStats:
    """One test across the graded submissions."""

    __test__ = False  # not a pytest test class
    part: str
    id: str
    students: int  # graded submissions that ran it
    failing: int  # of them, those without full marks on it
    discrimination: float | None  # see :func:`discrimination`; None when everyone passed or everyone failed

    @property
    def name(self) -> str:
        return f"{self.part}: {self.id}"

    @property
    def failure_rate(self) -> float:
        return self.failing / self.students if self.students else 0.0


def discrimination(scores: list[tuple[bool, float]]) -> float | None:
    """How much better the students who pass a test do on the rest of the assignment, in points.

    ``scores`` holds one ``(passed, rest)`` per student, ``rest`` being their total minus what they got
    on this test (so that the test does not count towards its own index). With P the students who passed
    it (full marks) and F those who did not::

        D = mean(rest_i for i in P) - mean(rest_i for i in F)

    A difference of means rather than a point-biserial correlation: it reads in the assignment's own
    unit ("those who pass it score 12.5 points more on the rest") and needs no spread to explain. A test
    with D near zero or below says little about how well a student did, or checks something the other
    tests disagree with (worth a look: is it right?). None when P or F is empty: nothing to compare.
    """
    passed = [rest for ok, rest in scores if ok]
    failed = [rest for ok, rest in scores if not ok]
    if not passed or not failed:
        return None
    return sum(passed) / len(passed) - sum(failed) / len(failed)


def tests(results: list[Result]) -> list[TestStats]:
    """Every test that some graded record ran, in the order first seen (the assignment's)."""
    seen: dict[tuple[str, str], list[tuple[bool, float]]] = {}
    for result in results:
        total = result.score
        for t in result.outcomes:
            seen.setdefault((t.part, t.id), []).append((t.passed, total - t.score))
    return [TestStats(part, test_id, len(scores), sum(not ok for ok, _ in scores), discrimination(scores))
            for (part, test_id), scores in seen.items()]


def mistakes(results: list[Result]) -> Counter:
    """How many students showed each recognised mistake: a student who made it in three tests counts once,
    since it is one misunderstanding to explain, not three."""
    found = Counter()
    for result in results:
        found.update({t.mistake for t in result.outcomes if t.mistake and not t.passed})
    return found
