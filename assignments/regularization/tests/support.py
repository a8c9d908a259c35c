"""Helpers of the regularization hidden tests.

Never released, and public tests cannot import it: helpers they need would go
in public_support.py, which is released with them.

The statistical checks of test_dropout.py and test_initialization.py share
one false-failure rate, DELTA, and Hoeffding's bound (see their docstrings).
"""
import math

DELTA = 1e-7                                  # false-failure rate of one statistical check
LOG_2_OVER_DELTA = math.log(2.0 / DELTA)      # 16.81: two-sided, each side DELTA / 2


def hoeffding_t(n: int, width: float = 1.0) -> float:
    """Half-width t with P(|mean - E| >= t) <= DELTA for n independent values in an interval of this width."""
    return width * math.sqrt(LOG_2_OVER_DELTA / (2.0 * n))
