"""Hidden tests of conv_output_size: padding, stride, rounding down, and
ValueError exactly when the window does not fit.

Known mistakes recognised in the messages: the + 1 missing, padding added on
one side only, rounding up or to nearest instead of down, the stride
ignored, the + 1 inside the division, truncation towards zero (int(a / b))
instead of the floor, a float result.
"""
import math

import numpy as np
import pytest

from autograder.sandbox.faults import StudentRaised
from autograder.testing import CheckFailed, expect_raises, weight
from public_support import check_int


def _hint(value, n, k, p, s):
    """The known mistake that gives ``value`` for this input, if one does."""
    candidates = [
        ("the + 1 is missing: a window fits at positions 0, s, 2s, ..., floor((n + 2p - k) / s) * s, "
         "which is floor((n + 2p - k) / s) + 1 positions", (n + 2 * p - k) // s),
        ("padding adds p zeros on each side: the padded side is n + 2p", (n + p - k) // s + 1),
        ("round down (floor): a window that would run past the padded input does not count",
         math.ceil((n + 2 * p - k) / s) + 1),
        ("round down (floor), not to the nearest integer", round((n + 2 * p - k) / s) + 1),
        ("the stride is ignored", n + 2 * p - k + 1),
        ("the + 1 comes after the division: floor((n + 2p - k) / s) + 1", (n + 2 * p - k + 1) // s),
    ]
    found = [hint for hint, wrong in candidates if value == wrong]
    return found[0] if len(found) == 1 else None          # two mistakes giving the same value: no guess


def _check(student, n, k, p, s, about):
    what = f"conv_output_size({n}, {k}, padding={p}, stride={s}) ({about})"
    try:
        value = student.conv_output_size(n, k, padding=p, stride=s)
    except StudentRaised as exc:
        raise CheckFailed(f"{what}: {exc}") from None
    check_int(value, what)
    expected = (n + 2 * p - k) // s + 1
    if value != expected:
        hint = _hint(value, n, k, p, s)
        raise CheckFailed(f"{what} returned {value}, which is wrong", hint=hint)


CASES = {
    "no_padding": [(32, 5, 0, 1, "5x5 kernel, no padding"), (64, 3, 0, 1, "3x3 kernel, no padding"),
                   (6, 1, 0, 1, "1x1 kernel")],
    "padding": [(28, 5, 2, 1, "padding 2 keeps a side of 28"), (8, 3, 1, 1, "'same' padding"),
                (12, 3, 2, 1, "padding larger than needed"), (4, 5, 1, 1, "padding makes a large kernel fit")],
    "stride": [(8, 2, 0, 2, "2x2 pooling"), (9, 3, 0, 2, "stride 2"), (227, 11, 0, 4, "AlexNet's first layer"),
               (12, 3, 0, 3, "stride 3")],
    "rounding_down": [(7, 2, 0, 2, "pooling an odd side"), (13, 4, 1, 3, "stride 3 that does not divide"),
                      (10, 3, 1, 2, "stride 2 with 'same' padding"), (224, 7, 3, 2, "ResNet's first layer"),
                      (6, 1, 0, 3, "1x1 kernel with stride 3"), (17, 5, 1, 4, "stride 4")],
}


@pytest.mark.parametrize("group", list(CASES))
def test_output_size(student, group):
    for n, k, p, s, about in CASES[group]:
        _check(student, n, k, p, s, about)


@weight(0.5)
def test_default_arguments(student):
    what = "conv_output_size(10, 3) (padding and stride left at their defaults 0 and 1)"
    value = student.conv_output_size(10, 3)
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value != 8:
        raise CheckFailed(f"{what} returned {value!r}, which is wrong")


def test_exact_fit_is_valid(student):
    """An output of exactly 1 is fine: the window fits once."""
    for n, k, p, s, about in [(5, 5, 0, 1, "the kernel covers the input exactly"),
                              (3, 5, 1, 2, "the kernel covers the padded input exactly"),
                              (1, 1, 0, 1, "a 1x1 input and kernel"), (6, 4, 0, 3, "one stride-3 step does not fit")]:
        _check(student, n, k, p, s, about + ": the output side is 1, which is valid")


@pytest.mark.parametrize("n, k, p, s", [(3, 5, 0, 1), (2, 3, 0, 1), (1, 2, 0, 1), (3, 8, 2, 1)])
def test_raises_when_the_window_does_not_fit(student, n, k, p, s):
    expect_raises("ValueError", student.conv_output_size, n, k, padding=p, stride=s,
                  what=f"conv_output_size({n}, {k}, padding={p}, stride={s}) (the kernel is larger than the "
                       "padded input)")


@pytest.mark.parametrize("n, k, p, s", [(4, 5, 0, 2), (4, 7, 1, 4), (2, 4, 0, 3)])
def test_raises_with_stride_when_the_window_does_not_fit(student, n, k, p, s):
    """(n + 2p - k) / s is between -1 and 0 here: the floor gives an output of 0, truncation towards zero 1."""
    expect_raises("ValueError", student.conv_output_size, n, k, padding=p, stride=s,
                  what=f"conv_output_size({n}, {k}, padding={p}, stride={s}) (the kernel is larger than the "
                       "padded input; careful: int(a / b) rounds towards zero, the formula needs the floor)")
