"""The red-team suite: hostile submissions, each trying one thing, must fail harmlessly.

Each attack of ``redteam/attacks.py`` is graded in a batch, with two jobs,
next to two honest students (see ``redteam/harness.py`` for everything that
is checked after the batch). Attacks are grouped into four batches so that
the suite stays under two minutes; ``bench/redteam_ablation.py`` grades
each one alone, once per sandbox layer removed.

The suite runs with the layers this machine gives (all five on CI). Where a
layer is missing, the attacks only that layer stops (measured by the
ablation, ``STOPPED_ONLY_BY``) are expected to get through and are marked
xfail; known holes of the full sandbox are strict xfails that name the fault.
"""

from __future__ import annotations

import os

import pytest

from autograder.sandbox import launcher
from redteam import harness
from redteam.attacks import ATTACKS, STOPPED_ONLY_BY

GROUPS = {"resources": "resources", "exits": "resources", "crashes": "resources",
          "secrets": "files", "writes": "files",
          "kill": "processes", "network": "processes", "privileges": "processes",
          "forgery": "values", "monkeypatch": "values", "comparisons": "values", "output": "values"}

# Holes of the full sandbox, found by this suite: see docs/security.md.
KNOWN_HOLES: dict[str, str] = {}  # none left: clone(CLONE_NEWUSER) is now denied by seccomp

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(os.geteuid() != 0, reason="the red-team suite's safety net needs root")]


def _layers_missing() -> set:
    return {name for name, ok, _ in launcher.layer_report() if not ok}


def _marks(attack):
    missing = _layers_missing()
    if attack.name in KNOWN_HOLES:
        return [pytest.mark.xfail(strict=True, reason=KNOWN_HOLES[attack.name])]
    needed = STOPPED_ONLY_BY.get(attack.name, set()) & missing
    if needed:
        return [pytest.mark.xfail(strict=False, reason=f"only the {', '.join(sorted(needed))} layer stops it, "
                                                       "and it is not in force on this machine")]
    return []


@pytest.fixture(scope="session")
def batch():
    """The batch report of a group of attacks, graded once per session."""
    cache: dict = {}

    def get(group: str) -> harness.BatchReport:
        if group not in cache:
            cache[group] = harness.run_batch([a for a in ATTACKS if GROUPS[a.category] == group])
        return cache[group]

    return get


@pytest.mark.parametrize("attack", [pytest.param(a, id=a.name, marks=_marks(a)) for a in ATTACKS])
def test_attack_fails_harmlessly(batch, attack):
    verdict = batch(GROUPS[attack.category]).verdicts[attack.name]
    assert verdict.contained, f"{attack.name} ({attack.summary}):\n- " + "\n- ".join(verdict.problems)


@pytest.mark.parametrize("group", sorted(set(GROUPS.values())))
def test_batch_completes_and_the_honest_students_are_intact(batch, group):
    report = batch(group)
    assert not report.batch_problems, "\n".join(report.batch_problems)
    if not _layers_missing():
        assert len([m for m in report.mechanisms if m.startswith("uid(")]) >= 1
        for layer in ("bubblewrap", "rlimits", "seccomp", "cgroup"):
            assert any(m.startswith(layer) for m in report.mechanisms), report.mechanisms


def test_every_category_has_a_group():
    assert {a.category for a in ATTACKS} <= set(GROUPS)
