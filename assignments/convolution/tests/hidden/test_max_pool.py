"""Hidden tests of max_pool_forward and max_pool_backward (spec: convolution.md).

Forward values are compared with the reference. Every dx is compared with
the grader's central differences of L = sum(out * dout) through the
REFERENCE forward pass. The pooled inputs have no ties there (values at
least 0.1 apart), so L is linear around them and the differences are exact
up to rounding: over 200 seeds per case the largest relative error is 5e-10
(1e-10 in the tie tests), inside the course's 1e-7 (float64) by a factor of
200, and float32 inputs get the course's 1e-4.

Ties have no derivative; the spec routes the gradient to the first maximum
in row-major order. The tie tests use integer images (after a ReLU: many
zeros) and differentiate at the same image with every tie broken in favour
of the earlier pixel (minus 1e-4 times the pixel's row-major position, far
below the gap of 1 between distinct values, with h = 1e-5 far below the gap
of 1e-4): there the derivative exists and is the spec's routing.

What each test is there to catch (see tests/catalogue/convolution/wrong/):
the output size rounded up or without the + 1, no ValueError for a window
larger than the image or a stride of 0, average pooling, pooling across
channels; in the backward pass: the gradient sent to every tied maximum,
shared among them or sent to the last one, overlapping windows overwriting
each other, the window's index turned into the wrong image position (the
stride or the window's width mixed up), a cache that holds a global or only
works once, inputs modified in place.
"""
import numpy as np
import pytest

from autograder.testing import check_close, expect_raises, weight
from public_support import output, pair, pool_shape, size_hints
from support import (POOL_CASES, check_unchanged_all, close, distinct, fresh, pool_backward_hints, pool_true_grad,
                     tie_broken)


def _describe(n, c, h, w, pool, stride):
    return f"x {(n, c, h, w)}, pool_size={pool}, stride={stride}"


def _forward(student, x, pool, stride, what, copy=True):
    out, cache = pair(student.max_pool_forward(*(fresh(x) if copy else (x,)), pool, stride), what)
    hints = size_hints(x.shape, (pool, pool), stride, 0, lambda ho, wo: (x.shape[0], x.shape[1], ho, wo))
    return output(out, pool_shape(x.shape, pool, stride), what, hints), cache


def _check_forward(student, reference, x, pool, stride, what, copy=True):
    out, cache = _forward(student, x, pool, stride, what, copy)
    expected = reference.max_pool_forward(x, pool, stride)[0]

    def hints():
        sums = reference.conv_forward(x.reshape(-1, 1, *x.shape[2:]), np.ones((1, 1, pool, pool)), np.zeros(1),
                                      stride, 0)[0].reshape(expected.shape)
        return {"max pooling takes the maximum of each window, not the mean": sums / pool ** 2,
                "pool each channel on its own: the maximum runs over the window only, not over the channels too":
                    np.broadcast_to(expected.max(axis=1, keepdims=True), expected.shape)}

    close(out, expected, what, (x,), hints)
    return cache


def _check_dx(reference, dx, x, pool, stride, dout, what, expected=None, hints=True):
    dx = output(dx, x.shape, what)
    expected = pool_true_grad(reference, x, pool, stride, dout) if expected is None else expected
    close(dx, expected, what, (x, dout), (lambda: pool_backward_hints(x, dout, pool, stride)) if hints else None)


@pytest.mark.parametrize("case", list(POOL_CASES), ids=list(POOL_CASES))
def test_forward_values(student, reference, rng, case):
    spec = POOL_CASES[case]
    x = rng.standard_normal((spec["n"], spec["c"], spec["h"], spec["w"]))
    _check_forward(student, reference, x, spec["pool"], spec["stride"], f"max_pool_forward with {_describe(**spec)}")


@weight(0.5)
def test_forward_defaults_are_2x2_stride_2(student, reference, rng):
    x = rng.standard_normal((2, 3, 6, 5))
    expected = reference.max_pool_forward(x, 2, 2)[0]
    out, _ = pair(student.max_pool_forward(x), "max_pool_forward(x)")
    check_close(output(out, expected.shape, "max_pool_forward(x)"), expected,
                what="max_pool_forward(x) with the defaults pool_size=2, stride=2, x (2, 3, 6, 5)", inputs=(x,))


@pytest.mark.parametrize("why,shape,pool,stride", [
    ("the window is taller than the image", (2, 1, 2, 5), 3, 1),
    ("stride 0", (1, 2, 4, 4), 2, 0),
])
def test_forward_value_errors(student, rng, why, shape, pool, stride):
    expect_raises("ValueError", student.max_pool_forward, rng.standard_normal(shape), pool, stride,
                  what=f"max_pool_forward with x {shape}, pool_size={pool}, stride={stride} ({why})")


@weight(2)
@pytest.mark.parametrize("case", list(POOL_CASES), ids=list(POOL_CASES))
def test_backward(student, reference, rng, case):
    spec = POOL_CASES[case]
    x = distinct(rng, (spec["n"], spec["c"], spec["h"], spec["w"]))
    what = f"dx from max_pool_backward with {_describe(**spec)}"
    out, cache = _forward(student, x, spec["pool"], spec["stride"], f"max_pool_forward with {_describe(**spec)}")
    dout = rng.standard_normal(out.shape)
    _check_dx(reference, student.max_pool_backward(*fresh(dout), cache), x, spec["pool"], spec["stride"], dout, what)


@weight(2)
@pytest.mark.parametrize("pool,stride", [(2, 2), (3, 3), (3, 2), (2, 1)])
def test_backward_ties(student, reference, rng, pool, stride):
    """Integer images after a ReLU: many windows share their maximum."""
    x = np.maximum(rng.integers(-2, 3, size=(1, 2, 7, 6)), 0).astype(np.float64)
    what = f"dx from max_pool_backward with ties, x (1, 2, 7, 6), pool_size={pool}, stride={stride}"
    out, cache = _forward(student, x, pool, stride, f"max_pool_forward with ties, pool_size={pool}, stride={stride}")
    dout = rng.standard_normal(out.shape)
    expected = pool_true_grad(reference, tie_broken(x), pool, stride, dout)
    _check_dx(reference, student.max_pool_backward(*fresh(dout), cache), x, pool, stride, dout, what, expected)


@weight(2)
def test_caches_of_two_forward_calls(student, reference, rng):
    """forward(A), forward(B) with other shapes, backward(A), backward(B), backward(A) again."""
    calls = []
    for case in ("3x3 s2, overlapping", "2x2 s3, gaps"):
        spec = POOL_CASES[case]
        x = distinct(rng, (spec["n"], spec["c"], spec["h"], spec["w"]))
        out, cache = _forward(student, x, spec["pool"], spec["stride"], f"max_pool_forward with {_describe(**spec)}")
        calls.append((x, spec, rng.standard_normal(out.shape), cache))
    for index, when in ((0, "the first of two forward calls, after the second"), (1, "the second forward call"),
                        (0, "the first forward call, its cache used a second time")):
        x, spec, dout, cache = calls[index]
        _check_dx(reference, student.max_pool_backward(*fresh(dout), cache), x, spec["pool"], spec["stride"], dout,
                  f"dx from max_pool_backward on the cache of {when} ({_describe(**spec)})", hints=False)


def test_transposed_input_and_float32(student, reference, rng):
    """x a transposed float32 view (not C-contiguous), overlapping windows."""
    x = distinct(rng, (2, 7, 6, 3)).astype(np.float32).transpose(0, 3, 2, 1)      # (2, 3, 6, 7)
    cache = _check_forward(student, reference, x, 3, 2, "max_pool_forward with a transposed float32 x (2, 3, 6, 7), "
                                                        "pool_size=3, stride=2")
    dout = rng.standard_normal((2, 3, 2, 3)).astype(np.float32)
    _check_dx(reference, student.max_pool_backward(*fresh(dout), cache), x, 3, 2, dout,
              "dx from max_pool_backward with a transposed float32 x (2, 3, 6, 7), pool_size=3, stride=2",
              hints=False)


def test_does_not_modify_inputs(student, reference, rng):
    """Credit for leaving x and dout alone only comes with right results."""
    x = distinct(rng, (2, 3, 7, 5))
    given = {"x": x}
    before = {"x": x.copy()}
    cache = _check_forward(student, reference, x, 3, 2, "max_pool_forward with x (2, 3, 7, 5), pool_size=3, stride=2",
                           copy=False)
    given["dout"] = rng.standard_normal((2, 3, 3, 2))
    before["dout"] = given["dout"].copy()
    dx = student.max_pool_backward(given["dout"], cache)
    _check_dx(reference, dx, before["x"], 3, 2, before["dout"], "dx from max_pool_backward with x (2, 3, 7, 5), "
              "pool_size=3, stride=2", hints=False)
    check_unchanged_all(before, given, "max_pool_forward / max_pool_backward")
