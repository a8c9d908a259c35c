"""Each update rule on the ill-conditioned quadratic g(x1, x2) = 0.1 x1**2 + 2 x2**2.

The loop and the settings are those of the notebook (QUADRATIC_SETTINGS,
minimize_quadratic): 100 steps from (-5, -2), where g = 10.5. The score is
the number of orders of magnitude by which g falls, log10(10.5 / g(final)),
against thresholds.quadratic_digits of assignment.yaml: full credit from 4
(g <= 1e-3), none at 1 or below (g >= 1.05), linear in between.

How the thresholds were chosen: with these settings the reference reaches
7.9 (sgd), 10.0 (sgd_momentum), 10.5 (adagrad), 13.5 (rmsprop), 9.7 (adam)
and 12.3 (adamw) orders of magnitude; correct implementations differ from it
only by rounding (the problem is convex and smooth, so rounding does not
grow), so the target of 4 leaves a margin of almost 4 orders of magnitude
(a factor 7000 on g) below the weakest rule. A wrong rule that still goes
downhill but stalls (a cache that does not accumulate, a velocity that is
never carried over, a bad default) lands in the partial-credit range or
below it; a sign error diverges and scores nothing.
"""
import math

import numpy as np
import pytest

from autograder.testing import PartialCredit, check_array, threshold_credit
from public_support import training_step

SETTINGS = {
    "sgd": {"learning_rate": 0.4},
    "sgd_momentum": {"learning_rate": 0.1, "momentum": 0.8},
    "adagrad": {"learning_rate": 1.0},
    "rmsprop": {"learning_rate": 0.1, "decay_rate": 0.99},
    "adam": {"learning_rate": 0.3, "beta1": 0.8},
    "adamw": {"learning_rate": 0.5, "beta1": 0.8, "weight_decay": 0.1},
}
STEPS = 100
START = (-5.0, -2.0)


def _g(x):
    return 0.1 * x[0] ** 2 + 2.0 * x[1] ** 2


@pytest.mark.parametrize("rule", list(SETTINGS))
def test_ill_conditioned_quadratic(student, config, rule):
    threshold = config.threshold("quadratic_digits")
    x = np.array(START)
    cfg = dict(SETTINGS[rule])
    for step in range(STEPS):
        result = training_step(getattr(student, rule)(x.copy(), np.array([0.2 * x[0], 4.0 * x[1]]), cfg), rule)
        x = check_array(result[0], f"next_w of {rule} on the quadratic (step {step + 1})", shape=(2,), finite=False)
        cfg = result[1]
        if not np.all(np.isfinite(x)) or _g(x) > 1e12:
            break
    g = _g(x)
    digits = math.log10(_g(np.array(START)) / g) if np.isfinite(g) and g > 0 else (math.inf if g == 0 else -math.inf)
    credit = threshold_credit(digits, threshold.floor, threshold.target)
    if credit < 1.0:
        where = "diverged" if not np.isfinite(g) or g > 10.5 else f"ended at g = {g:.2e}"
        raise PartialCredit(credit, f"{rule} with {SETTINGS[rule]} on g(x1, x2) = 0.1 x1**2 + 2 x2**2 from "
                                    f"(-5, -2): after {STEPS} steps it {where}; full credit for g <= "
                                    f"{10.5 / 10 ** threshold.target:.2g}, none for g >= "
                                    f"{10.5 / 10 ** threshold.floor:.3g} (a correct {rule} gets far below "
                                    "1e-6). Check the other tests of this rule first")
