"""Helpers of the regularization hidden tests.

Never released, and public tests cannot import it: helpers they need would go
in public_support.py, which is released with them.

The statistical checks of test_dropout.py and test_initialization.py share
one false-failure rate, DELTA, and Hoeffding's bound (see their docstrings).
dropout_backward's gradient is checked numerically with the forward pass's
mask held fixed (below).
"""
import math

import numpy as np

from autograder.testing import numerical_gradient_elementwise

DELTA = 1e-7                                  # false-failure rate of one statistical check
LOG_2_OVER_DELTA = math.log(2.0 / DELTA)      # 16.81: two-sided, each side DELTA / 2


def hoeffding_t(n: int, width: float = 1.0) -> float:
    """Half-width t with P(|mean - E| >= t) <= DELTA for n independent values in an interval of this width."""
    return width * math.sqrt(LOG_2_OVER_DELTA / (2.0 * n))


# -- dropout's gradient ------------------------------------------------------------------------------------------
# dropout_backward is checked against the grader's central differences of the REFERENCE forward pass with the
# mask held fixed: the mask the student's own forward pass drew (read from its output, whose every element the
# tests first check to be 0 or x / (1 - p)), handed to the reference through a stand-in for its generator.
# With the mask fixed dropout is linear and elementwise, so central differences are exact up to rounding,
# about 1e-16 * |x / (1 - p)| / h: with h = 1e-3 (no curvature to fear) that is below 1e-12 relative, and the
# bound 1e-7 (the course's float64 tolerance) is 1e5 times that and far below any wrong scale or mask.
DROPOUT_H = 1e-3
DROPOUT_BOUND = 1e-7


class FixedMask:
    """A stand-in for the generator given to the reference's dropout_forward: its draws keep exactly the
    elements of ``kept`` (a uniform draw of 0 keeps, one just below 1 drops, for any p in (0, 1))."""

    def __init__(self, kept):
        self.kept = np.asarray(kept, dtype=bool)

    def random(self, size=None, dtype=np.float64):
        if tuple(np.atleast_1d(size)) != self.kept.shape:
            raise AssertionError(f"the reference drew a mask of shape {size}, the test holds {self.kept.shape}")
        return np.where(self.kept, 0.0, np.nextafter(1.0, 0.0)).astype(dtype)

    def uniform(self, low=0.0, high=1.0, size=None):
        return low + (high - low) * self.random(size)


def dropout_gradient(reference, x, p, train, kept, dout):
    """d sum(out * dout) / dx, out = the reference's dropout_forward(x, p, train) with the mask ``kept``."""
    x = np.asarray(x, dtype=np.float64)

    def forward(v):
        out, _ = reference.dropout_forward(v, p, train, FixedMask(kept))
        return out

    if train and p > 0 and not np.array_equal(forward(x) != 0, np.asarray(kept, dtype=bool) & (x != 0)):
        raise AssertionError("the reference's dropout_forward did not use the mask the test fixed")
    return numerical_gradient_elementwise(forward, x, dout, DROPOUT_H)
