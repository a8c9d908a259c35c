"""Each call's time limit comes from the reference's own time on that call (autograder/calls.py)."""

import pytest

from autograder import calls, grade
from helpers import outcome, part_scores

LOOPING_DOUBLE = """
import numpy as np
def add(a, b):
    return a + b
def slow():
    return 1.0
def double(x):
    while True:
        pass
"""


def limits_from(seconds: dict) -> calls.CallLimits:
    return calls.CallLimits(calls.CallTimes(dict(seconds)))


def test_a_call_gets_a_multiple_of_the_references_time_within_floor_and_cap():
    limits = limits_from({("t1", "f", 0): 0.002, ("t1", "f", 1): 0.05, ("t2", "g", 0): 0.5})
    assert limits.limit(("t1", "f", 0), cap=10) == calls.FLOOR_S             # 100 x 2 ms is below the floor
    assert limits.limit(("t1", "f", 1), cap=10) == pytest.approx(calls.MULTIPLE * 0.05)
    assert limits.limit(("t2", "g", 0), cap=10) == 10                        # 100 x 0.5 s is above the cap
    assert limits.limit(("t2", "g", 0), cap=0.5) == 0.5                      # a test's own budget is a cap too


def test_a_call_the_reference_never_made_falls_back_to_its_neighbours():
    limits = limits_from({("t1", "f", 0): 0.002, ("t1", "f", 1): 0.05, ("t2", "f", 0): 0.03})
    assert limits.limit(("t1", "f", 7), cap=10) == pytest.approx(calls.MULTIPLE * 0.05)   # f in t1: its slowest
    assert limits.limit(("t3", "f", 0), cap=10) == pytest.approx(calls.MULTIPLE * 0.05)   # f anywhere
    assert limits.limit(("t1", "h", 0), cap=10) == 10                                     # never seen: the cap


def test_the_reference_is_measured_once_per_process_call_by_call(mini):
    limits = grade.call_limits(mini)
    assert limits is grade.call_limits(mini)
    assert ("test_slow_is_fast_enough", "slow", 0) in limits.exact
    assert ("test_add_more[1.0--4.0]", "add", 0) in limits.exact
    assert all(0 < s < 1 for s in limits.exact.values())   # the mini reference answers in far under a second


def test_an_infinite_loop_costs_one_derived_limit_then_the_function_is_not_called(mini):
    result = grade.grade_submission(mini, "student", "mini.py", LOOPING_DOUBLE.encode(),
                                    limits=grade.call_limits(mini))
    doubles = [o for o in result.outcomes if o.part == "arrays"]
    first, later = doubles[0], doubles[1:]
    assert first.status == "timeout" and "did not finish within 1 s" in first.message
    assert f"{calls.MULTIPLE:g} times what the reference solution took" in first.message
    assert later and all(o.status == "timeout" and o.message.startswith("not run: double() already ran past")
                         for o in later)
    assert first.duration_s < mini.budgets.call_timeout_s      # the derived 1 s, not the assignment's 2 s
    assert part_scores(result) == {"basics": 6, "arrays": 0}
    assert outcome(result, "test_slow_is_fast_enough").status == "passed"
