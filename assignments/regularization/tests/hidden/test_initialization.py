"""Hidden tests of xavier_uniform, kaiming_normal and conv_fans (spec: regularization.md).

The initializers are random, so they are checked by statistics of large
weight matrices, never against a particular random stream: rng.uniform,
a * (2 * rng.random(...) - 1), rng.normal, rng.standard_normal * std all get
full marks. Shapes are never square, so fan_in and fan_out cannot be swapped
unnoticed.

False-failure rates. Each statistical check fails a correct implementation
with probability at most DELTA = 1e-7, and no test makes more than 4 of them,
so a correct submission fails any one test with probability below 4e-7 < 1e-6.
Every bound is exact (no normal approximation):
- xavier_uniform, W i.i.d. Uniform(-a, a), n = fan_in * fan_out:
  - max|W| <= a: a property of every draw; a relative slack of 1e-12 lets a be
    computed in another order (sqrt(6) / sqrt(m) against sqrt(6 / m)), and
    1e-6 for float32 weights, where a * u may round one float32 step above a.
  - max|W| >= a (1 - s): P(max|W| < a (1 - s)) = (1 - s)^n <= exp(-n s) = DELTA
    at s = ln(1 / DELTA) / n (s = 2.7e-4 for n = 60,000). Together with the
    first check this pins the bound a down; a bound computed from another
    formula is recognised and named in the hint.
  - mean: Hoeffding for n values in [-a, a]:
    P(|mean| >= t) <= 2 exp(-2 n t^2 / (2a)^2) = DELTA at t = 2a sqrt(ln(2/DELTA) / (2n)).
  - variance a^2 / 3: Hoeffding for W^2 in [0, a^2] (the mean is known to be 0,
    so the second moment is the variance):
    t = a^2 sqrt(ln(2/DELTA) / (2n)) (0.017 a^2 for n = 60,000, 5 % of a^2 / 3).
  - shape of the distribution: the fraction of |W| < a / 2 is 1/2 for a
    uniform; Hoeffding for indicators, t = sqrt(ln(2/DELTA) / (2n)).
- kaiming_normal, W i.i.d. Normal(0, s2) with s2 = 2 / fan_in:
  - mean: exactly Normal(0, s2 / n); |mean| < z sqrt(s2 / n) with z = 5.33,
    since P(|Z| >= 5.33) = 9.8e-8 < DELTA for a standard normal Z.
  - variance: S = sum(W^2) / s2 is chi-square with n degrees of freedom (mean
    known to be 0). Laurent and Massart (2000), Lemma 1:
    P(S - n >= 2 sqrt(n x) + 2x) <= e^-x and P(n - S >= 2 sqrt(n x)) <= e^-x;
    x = ln(2 / DELTA) = 16.8 gives DELTA / 2 per side, so mean(W^2) / s2 must
    lie in [1 - 2 sqrt(x/n), 1 + 2 sqrt(x/n) + 2x/n] ([0.974, 1.026] for
    n = 100,000). 1 / fan_in, 2 / fan_out, Xavier's 2 / (fan_in + fan_out) and
    (2 / fan_in)^2 (the variance passed as a standard deviation) are all far
    outside and are recognised.
  - normal, not uniform: the fractions of |W| > 2 sigma (0.0455 for a normal,
    0 for a uniform of the same variance, whose bound is 1.73 sigma) and of
    |W| < sigma / 2 (0.383 normal, 0.289 uniform); Hoeffding for indicators,
    t = sqrt(ln(2/DELTA) / (2n)) = 0.013 for n = 100,000.
- fresh, independent values: equal elements in disjoint pairs of rows or of
  columns would need a collision of continuous draws (probability about
  2^-50 per pair); the checks allow up to half of the pairs to be equal, so
  only copied rows or columns fail. Different seeds, or two calls with one
  generator, give equal matrices with probability about 2^-50 per element.
"""
import math

import numpy as np
import pytest

from autograder.testing import CheckFailed, check_array, expect_raises, weight
from support import DELTA, LOG_2_OVER_DELTA, hoeffding_t

Z_DELTA = 5.33                                # P(|N(0, 1)| >= 5.33) = 9.8e-8 < DELTA


def chi2_ratio_bounds(n: int) -> tuple[float, float]:
    """Bounds for mean(W^2) / variance of n Normal(0, variance) values (Laurent-Massart), DELTA in all."""
    x = LOG_2_OVER_DELTA
    return 1.0 - 2.0 * math.sqrt(x / n), 1.0 + 2.0 * math.sqrt(x / n) + 2.0 * x / n


def draw(student, name, fan_in, fan_out, seed):
    """The student's W as float64, and the relative rounding slack of the dtype it came in."""
    what = f"{name}({fan_in}, {fan_out}, rng)"
    value = getattr(student, name)(fan_in, fan_out, np.random.default_rng(seed))
    W = check_array(value, what, shape=(fan_in, fan_out))
    # float32 weights may round a * u to one float32 step above a; float64 allows a computed in another order
    slack = 1e-6 if getattr(value, "dtype", None) == np.float32 else 1e-12
    return W, what, slack


def check_independent_entries(W, what):
    for label, a, b in (("rows", W[0::2], W[1::2]), ("columns", W[:, 0::2], W[:, 1::2])):
        equal = float(np.mean(a == b))
        if equal > 0.5:
            raise CheckFailed(f"{what}: {equal:.0%} of the entries of neighbouring {label} are equal; every entry "
                              f"must be an independent draw (draw an array of shape (fan_in, fan_out) at once "
                              f"instead of repeating one row or column)")


# -- xavier_uniform ----------------------------------------------------------------------------------------

def xavier_bound_hints(fan_in, fan_out):
    m = fan_in + fan_out
    return {
        "the bound looks like sqrt(2 / (fan_in + fan_out)), Xavier's standard deviation: a uniform on "
        "(-a, a) has variance a**2 / 3, so a = sqrt(3 * 2 / (fan_in + fan_out)) = sqrt(6 / (fan_in + fan_out))":
            math.sqrt(2.0 / m),
        "the bound looks like sqrt(3 / (fan_in + fan_out)): the 6 comes from variance 2 / (fan_in + fan_out) "
        "times 3": math.sqrt(3.0 / m),
        "the bound looks like sqrt(6 / fan_in): Xavier uses fan_in + fan_out": math.sqrt(6.0 / fan_in),
        "the bound looks like sqrt(6 / fan_out): Xavier uses fan_in + fan_out": math.sqrt(6.0 / fan_out),
        "the bound looks like 6 / (fan_in + fan_out): take the square root": 6.0 / m,
        "the bound looks like sqrt(6) / (fan_in + fan_out): the square root covers the whole fraction":
            math.sqrt(6.0) / m,
        "the bound looks like 1 / sqrt(fan_in)": 1.0 / math.sqrt(fan_in),
    }


def check_xavier_bound(W, fan_in, fan_out, what, slack):
    a = math.sqrt(6.0 / (fan_in + fan_out))
    n = W.size
    s = math.log(1.0 / DELTA) / n
    biggest = float(np.max(np.abs(W)))
    if a * (1 - s) <= biggest <= a * (1 + slack):
        return a
    if biggest > a * (1 + slack):
        message = f"{what}: max|W| = {biggest:.5g} exceeds the bound a = sqrt(6 / (fan_in + fan_out)) = {a:.5g}"
    else:
        message = (f"{what}: max|W| = {biggest:.5g} over {n} draws; Uniform(-a, a) with a = sqrt(6 / (fan_in + "
                   f"fan_out)) = {a:.5g} comes within {s:.1e} * a of a")
    for hint, bound in xavier_bound_hints(fan_in, fan_out).items():
        if bound * (1 - s) <= biggest <= bound * (1 + max(slack, 1e-9)):
            raise CheckFailed(message, hint=hint)
    if biggest > a and float(np.mean(np.abs(W) > a)) > 0.01:
        raise CheckFailed(message, hint="a uniform never leaves (-a, a); is W drawn from a normal distribution?")
    raise CheckFailed(message)


@weight(2)
@pytest.mark.parametrize("fan_in, fan_out", [(300, 200), (80, 750)])
def test_xavier_shape_and_bound(student, fan_in, fan_out):
    W, what, slack = draw(student, "xavier_uniform", fan_in, fan_out, seed=fan_in)
    check_independent_entries(W, what)           # first: a repeated row would spoil the bound's statistics
    check_xavier_bound(W, fan_in, fan_out, what, slack)


@weight(2)
@pytest.mark.parametrize("fan_in, fan_out", [(300, 200), (80, 750)])
def test_xavier_mean_variance_and_uniformity(student, fan_in, fan_out):
    W, what, slack = draw(student, "xavier_uniform", fan_in, fan_out, seed=fan_out)
    a = check_xavier_bound(W, fan_in, fan_out, what, slack)
    n = W.size
    mean = float(np.mean(W))
    t = hoeffding_t(n, 2 * a)
    if abs(mean) >= t:
        raise CheckFailed(f"{what}: the mean of W is {mean:.3g}; it must be 0 (allowed: |mean| < {t:.2g})",
                          hint="draw from (-a, a), symmetric around 0")
    second = float(np.mean(W ** 2))
    t = hoeffding_t(n, a * a)
    if abs(second - a * a / 3) >= t:
        raise CheckFailed(f"{what}: the variance of W is {second:.4g}; Uniform(-a, a) has variance a**2 / 3 = "
                          f"{a * a / 3:.4g} (allowed: {a * a / 3 - t:.4g} to {a * a / 3 + t:.4g})")
    inner = float(np.mean(np.abs(W) < a / 2))
    t = hoeffding_t(n)
    if abs(inner - 0.5) >= t:
        raise CheckFailed(f"{what}: {inner:.3f} of the entries have |W| < a / 2; for a uniform on (-a, a) it is "
                          f"0.5 (allowed: {0.5 - t:.3f} to {0.5 + t:.3f}). W does not look uniform")
    check_independent_entries(W, what)


@weight(1.5)
def test_xavier_randomness_comes_from_rng_only(student):
    check_rng_use(student, "xavier_uniform", 60, 40)


def check_rng_use(student, name, fan_in, fan_out):
    what = f"{name}({fan_in}, {fan_out}, rng)"
    first = check_array(getattr(student, name)(fan_in, fan_out, np.random.default_rng(2024)), what,
                        shape=(fan_in, fan_out))
    again = check_array(getattr(student, name)(fan_in, fan_out, np.random.default_rng(2024)), what,
                        shape=(fan_in, fan_out))
    if not np.array_equal(first, again):
        raise CheckFailed(f"{what} gave different weights for two generators seeded alike: draw from the rng "
                          "argument only (not from np.random.* or a new np.random.default_rng())")
    other = check_array(getattr(student, name)(fan_in, fan_out, np.random.default_rng(7)), what,
                        shape=(fan_in, fan_out))
    if np.array_equal(first, other):
        raise CheckFailed(f"{what} gave the same weights for generators with different seeds: draw from the rng "
                          "argument (is a generator with a fixed seed created inside the function?)")
    g = np.random.default_rng(99)
    one = check_array(getattr(student, name)(fan_in, fan_out, g), what, shape=(fan_in, fan_out))
    two = check_array(getattr(student, name)(fan_in, fan_out, g), what, shape=(fan_in, fan_out))
    if np.array_equal(one, two):
        raise CheckFailed(f"two successive calls of {what} with the same generator gave the same weights: draw "
                          "from rng itself, not from a copy of it")


# -- kaiming_normal ------------------------------------------------------------------------------------------

def kaiming_variance_hints(fan_in, fan_out):
    return {
        "the variance looks like 1/fan_in: Kaiming uses 2/fan_in (the factor 2 makes up for the half of its "
        "inputs that a ReLU sets to zero)": 1.0 / fan_in,
        "the variance looks like 2/fan_out: the forward-pass Kaiming variance uses fan_in, the number of inputs "
        "of each unit (W has shape (fan_in, fan_out))": 2.0 / fan_out,
        "the variance looks like Xavier's 2/(fan_in + fan_out); Kaiming uses 2/fan_in": 2.0 / (fan_in + fan_out),
        "the variance looks like (2/fan_in)**2: the scale of rng.normal is the standard deviation, so pass "
        "sqrt(2/fan_in)": (2.0 / fan_in) ** 2,
        "the variance looks like sqrt(2/fan_in): the standard deviation is sqrt(2/fan_in), its square is the "
        "variance 2/fan_in": math.sqrt(2.0 / fan_in),
        "W looks like standard normal draws that were never scaled by sqrt(2/fan_in)": 1.0,
    }


def check_kaiming_moments(W, fan_in, fan_out, what):
    n = W.size
    var = 2.0 / fan_in
    mean = float(np.mean(W))
    limit = Z_DELTA * math.sqrt(var / n)
    if abs(mean) >= limit:
        raise CheckFailed(f"{what}: the mean of W is {mean:.3g}; it must be 0 (allowed: |mean| < {limit:.2g})")
    lo, hi = chi2_ratio_bounds(n)
    second = float(np.mean(W ** 2))
    if lo * var <= second <= hi * var:
        return math.sqrt(var)
    message = (f"{what}: the variance of W is {second:.4g}; Kaiming's is 2 / fan_in = {var:.4g} (allowed: "
               f"{lo * var:.4g} to {hi * var:.4g})")
    for hint, wrong in kaiming_variance_hints(fan_in, fan_out).items():
        if lo * wrong <= second <= hi * wrong:
            raise CheckFailed(message, hint=hint)
    raise CheckFailed(message)


@weight(3)
@pytest.mark.parametrize("fan_in, fan_out", [(500, 200), (120, 480)])
def test_kaiming_shape_mean_and_variance(student, fan_in, fan_out):
    W, what, _ = draw(student, "kaiming_normal", fan_in, fan_out, seed=fan_in)
    check_kaiming_moments(W, fan_in, fan_out, what)
    check_independent_entries(W, what)


@weight(2)
def test_kaiming_is_normal_not_uniform(student):
    fan_in, fan_out = 400, 250                                     # n = 100,000
    W, what, _ = draw(student, "kaiming_normal", fan_in, fan_out, seed=31)
    sigma = check_kaiming_moments(W, fan_in, fan_out, what)
    n = W.size
    t = hoeffding_t(n)
    for label, frac, expected in (
            ("|W| > 2 sigma", float(np.mean(np.abs(W) > 2 * sigma)), math.erfc(2 / math.sqrt(2))),      # 0.0455
            ("|W| < sigma / 2", float(np.mean(np.abs(W) < sigma / 2)), math.erf(0.5 / math.sqrt(2)))):  # 0.3829
        if abs(frac - expected) >= t:
            message = (f"{what}: the fraction of entries with {label} (sigma = sqrt(2 / fan_in)) is {frac:.4f}; for "
                       f"a normal distribution it is {expected:.4f} (allowed: {expected - t:.4f} to {expected + t:.4f})")
            hint = None
            if float(np.max(np.abs(W))) <= math.sqrt(3) * sigma * (1 + 1e-9):
                hint = ("W looks uniform (no entry beyond sqrt(3) sigma): Kaiming normal draws from a normal "
                        "distribution (rng.normal or rng.standard_normal)")
            raise CheckFailed(message, hint=hint)


@weight(1.5)
def test_kaiming_randomness_comes_from_rng_only(student):
    check_rng_use(student, "kaiming_normal", 60, 40)


# -- conv_fans ---------------------------------------------------------------------------------------------

def check_fans(student, shape, expected):
    what = f"conv_fans({shape})"
    value = student.conv_fans(shape)
    if not (isinstance(value, (tuple, list)) and len(value) == 2):
        raise CheckFailed(f"{what} must return a pair (fan_in, fan_out), got {value!r}")
    try:
        got = (float(value[0]), float(value[1]))
    except (TypeError, ValueError):
        raise CheckFailed(f"{what} must return two numbers, got {value!r}") from None
    if got == tuple(float(e) for e in expected):
        return
    message = f"{what} returned ({value[0]}, {value[1]}), which is wrong"
    hints = []
    if len(shape) == 2:
        hints.append((shape[::-1], "a 2-d shape is already (fan_in, fan_out): return its two numbers in order"))
    else:
        out_c, in_c, *kernel = shape
        r = math.prod(kernel)
        hints += [((out_c * r, in_c * r), "fan_in uses in_channels (shape[1]) and fan_out out_channels (shape[0])"),
                  ((in_c, out_c), "multiply both channel counts by the receptive field size prod(kernel)"),
                  ((in_c * r, out_c), "fan_out is out_channels times the receptive field size too"),
                  ((in_c * math.prod(kernel[-2:]), out_c * math.prod(kernel[-2:])),
                   "the receptive field is the product of ALL kernel dimensions, however many there are")]
    found = next((hint for wrong, hint in hints if got == tuple(float(w) for w in wrong)), None)
    raise CheckFailed(message, hint=found)


@weight(2)
@pytest.mark.parametrize("shape, expected", [
    ((16, 3, 5), (15, 80)),                        # conv1d: (out, in, k)
    ((32, 8, 3, 3), (72, 288)),                    # conv2d: (out, in, kh, kw)
    ((6, 4, 2, 3, 5), (120, 180)),                 # conv3d: (out, in, kd, kh, kw)
    ((10, 7, 1, 1), (7, 10)),                      # a 1 x 1 convolution
], ids=["conv1d", "conv2d", "conv3d", "conv1x1"])
def test_conv_fans_kernels(student, shape, expected):
    check_fans(student, shape, expected)


def test_conv_fans_dense_passthrough(student):
    check_fans(student, (300, 100), (300, 100))
    check_fans(student, (20, 784), (20, 784))


def test_conv_fans_other_dimensions_raise(student):
    for shape in ((5,), (2, 3, 4, 5, 6, 7), ()):
        expect_raises("ValueError", student.conv_fans, shape, what=f"conv_fans({shape}) ({len(shape)} dimensions)")
