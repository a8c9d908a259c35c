"""Public tests of xavier_uniform, kaiming_normal and conv_fans (spec: regularization.md).

The initializers are random, so they are checked by statistics of a large
matrix, never against a particular random stream. Each statistical check
fails a correct implementation with probability at most 1e-7:
- Xavier: max|W| <= a always; max|W| >= a (1 - s) fails with probability
  (1 - s)^n <= exp(-n s) = 1e-7 at s = ln(1e7) / n.
- Kaiming: S = sum(W^2) / (2 / fan_in) is chi-square with n degrees of
  freedom; by Laurent and Massart's bounds, P(S - n >= 2 sqrt(n x) + 2x) and
  P(n - S >= 2 sqrt(n x)) are each at most e^-x; x = ln(2e7) makes both
  tails together 1e-7.
The hidden tests also check the mean, the shape of the distributions, other
fans, independence of the entries, the use of rng, and more conv shapes.
"""
import math

import numpy as np

from autograder.testing import CheckFailed, check_array, expect_raises


def test_xavier_shape_and_bound(student):
    fan_in, fan_out = 300, 200                                  # not square: fan_in and fan_out cannot be swapped
    value = student.xavier_uniform(fan_in, fan_out, np.random.default_rng(0))
    W = check_array(value, "xavier_uniform(300, 200, rng)", shape=(fan_in, fan_out))
    a = math.sqrt(6 / (fan_in + fan_out))
    s = math.log(1e7) / W.size
    slack = 1e-6 if getattr(value, "dtype", None) == np.float32 else 1e-12  # rounding of a * u; a computed otherwise
    biggest = float(np.max(np.abs(W)))
    if not a * (1 - s) <= biggest <= a * (1 + slack):
        raise CheckFailed(f"xavier_uniform(300, 200, rng): max|W| = {biggest:.5g}; entries must lie in (-a, a) with "
                          f"a = sqrt(6 / (fan_in + fan_out)) = {a:.5g}, and with {W.size} draws the largest comes "
                          "within 0.03 % of a")


def test_kaiming_shape_and_variance(student):
    fan_in, fan_out = 400, 250
    W = check_array(student.kaiming_normal(fan_in, fan_out, np.random.default_rng(1)),
                    "kaiming_normal(400, 250, rng)", shape=(fan_in, fan_out))
    n, var = W.size, 2 / fan_in
    x = math.log(2e7)
    lo, hi = 1 - 2 * math.sqrt(x / n), 1 + 2 * math.sqrt(x / n) + 2 * x / n
    observed = float(np.mean(W ** 2))
    if not lo * var <= observed <= hi * var:
        hint = None
        if lo / fan_in <= observed <= hi / fan_in:
            hint = "the variance looks like 1/fan_in: Kaiming uses 2/fan_in"
        raise CheckFailed(f"kaiming_normal(400, 250, rng): the variance of W is {observed:.4g}; it must be 2 / fan_in "
                          f"= {var:.4g} (allowed: {lo * var:.4g} to {hi * var:.4g})", hint=hint)


def test_conv_fans(student):
    for shape, expected in (((32, 8, 3, 3), (72, 288)), ((16, 3, 5), (15, 80)), ((300, 100), (300, 100))):
        value = student.conv_fans(shape)
        if not (isinstance(value, (tuple, list)) and len(value) == 2) or tuple(value) != expected:
            raise CheckFailed(f"conv_fans({shape}) returned {value!r}, expected {expected}")


def test_conv_fans_rejects_1d_shapes(student):
    expect_raises("ValueError", student.conv_fans, (5,), what="conv_fans((5,))")
