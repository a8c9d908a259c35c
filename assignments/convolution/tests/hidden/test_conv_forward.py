"""Hidden tests of conv_forward (spec: convolution.md).

Values are compared with the reference on the same inputs (the course's
tolerances: 1e-7 for float64 inputs, 1e-4 for float32; a correct forward
pass agrees to ~1e-15, one computed in float32 to ~2e-7).

What each test is there to catch (see tests/catalogue/convolution/wrong/):
a flipped kernel (convolution instead of the spec's cross-correlation), the
channel and filter axes of w swapped (C = F, where shapes cannot tell), a
missing bias, padding on one side only, the output size rounded up, without
the + 1, with the padding counted once or the stride ignored; no ValueError
for a stride of 0, a negative pad or a kernel larger than the padded image,
or a ValueError for a kernel exactly as large (one output pixel); strides
computed by hand that assume a C-contiguous float64 array (transposed views,
float32); integer images truncated into an integer output; state kept from
an earlier call with other shapes; inputs modified in place.
"""
import numpy as np
import pytest

from autograder.testing import check_close, expect_raises, weight
from public_support import conv_shape, output, pair, size_hints
from support import CONV_CASES, check_unchanged_all, close, conv_forward_hints, conv_problem, fresh


def _describe(n, c, h, w, f, hh, ww, stride, pad):
    return f"x {(n, c, h, w)}, w {(f, c, hh, ww)}, stride={stride}, pad={pad}"


def _check(student, reference, x, w, b, stride, pad, what, hints=True, copy=True):
    expected = reference.conv_forward(x, w, b, stride, pad)[0]
    out, _ = pair(student.conv_forward(*(fresh(x, w, b) if copy else (x, w, b)), stride, pad), what)
    n, f = x.shape[0], w.shape[0]
    wrong = size_hints(x.shape, w.shape[2:], stride, pad, lambda ho, wo: (n, f, ho, wo))
    out = output(out, expected.shape, what, wrong)
    close(out, expected, what, (x, w, b),
          (lambda: conv_forward_hints(reference, x, w, b, stride, pad)) if hints else None)


@weight(2)
@pytest.mark.parametrize("case", list(CONV_CASES), ids=list(CONV_CASES))
def test_values(student, reference, rng, case):
    spec = CONV_CASES[case]
    x, w, b, _ = conv_problem(rng, **spec)
    _check(student, reference, x, w, b, spec["stride"], spec["pad"], f"conv_forward with {_describe(**spec)}")


def test_float32_inputs(student, reference, rng):
    spec = CONV_CASES["s2 p1 drop, 3x2 kernel"]
    x, w, b, _ = conv_problem(rng, **spec, dtype=np.float32)
    _check(student, reference, x, w, b, 2, 1, f"conv_forward with float32 inputs, {_describe(**spec)}")


def test_integer_image(student, reference, rng):
    """Pixel values 0..255 as integers: the output is floating point, not truncated."""
    spec = CONV_CASES["s1 p1, C=F=3"]
    _, w, b, _ = conv_problem(rng, **spec)
    x = rng.integers(0, 256, size=(2, 3, 5, 5))          # (N, C, H, W) of that case
    _check(student, reference, x, w * 0.01, b, 1, 1, "conv_forward with an integer image (int64 pixels 0..255), "
           f"{_describe(**spec)}")


@pytest.mark.parametrize("stride,pad", [(1, 0), (2, 0), (2, 1)])
def test_transposed_inputs(student, reference, rng, stride, pad):
    """x a transposed view and w in Fortran order: neither is C-contiguous."""
    x = rng.standard_normal((2, 7, 6, 3)).transpose(0, 3, 2, 1)          # (2, 3, 6, 7), channels last in memory
    w = np.asfortranarray(rng.standard_normal((4, 3, 3, 2)))
    b = rng.standard_normal(4)
    _check(student, reference, x, w, b, stride, pad,
           f"conv_forward with x a transposed view (x.T-like, not C-contiguous) and w in Fortran order, "
           f"x (2, 3, 6, 7), w (4, 3, 3, 2), stride={stride}, pad={pad}", hints=False)


def test_second_call_with_other_shapes(student, reference, rng):
    """Three calls in a row with other shapes: nothing may be kept from an earlier call."""
    first, second = CONV_CASES["s2 p1 drop, 3x2 kernel"], CONV_CASES["s1 p0, N=1, 2x3 kernel"]
    problems = [(conv_problem(rng, **spec), spec) for spec in (first, second, first)]
    for k, ((x, w, b, _), spec) in enumerate(problems):
        _check(student, reference, x, w, b, spec["stride"], spec["pad"],
               f"call {k + 1} of conv_forward in a row (this one: {_describe(**spec)})", hints=False)


@weight(0.5)
def test_defaults_are_stride_1_pad_0(student, reference, rng):
    x, w, b, _ = conv_problem(rng, **CONV_CASES["s1 p0, N=1, 2x3 kernel"])
    expected = reference.conv_forward(x, w, b, 1, 0)[0]
    out, _ = pair(student.conv_forward(x, w, b), "conv_forward(x, w, b)")
    check_close(output(out, expected.shape, "conv_forward(x, w, b) (defaults stride=1, pad=0)"), expected,
                what="conv_forward(x, w, b) (defaults stride=1, pad=0)", inputs=(x,))


def test_kernel_as_large_as_the_padded_image(student, reference, rng):
    """H + 2 pad == HH gives H_out = 1: allowed, one output pixel per filter."""
    x, w, b, _ = conv_problem(rng, n=2, c=2, h=3, w=4, f=3, hh=5, ww=4, stride=2, pad=1)
    _check(student, reference, x, w, b, 2, 1, "conv_forward with x (2, 2, 3, 4), w (3, 2, 5, 4), stride=2, pad=1 "
           "(the window fits exactly once vertically: H_out = 1)", hints=False)


@pytest.mark.parametrize("why,shapes,stride,pad", [
    ("the kernel is taller than the padded image", ((1, 2, 4, 6), (3, 2, 7, 3)), 1, 1),
    ("the kernel is wider than the image", ((2, 1, 5, 3), (2, 1, 2, 4)), 1, 0),
    ("stride 0", ((1, 2, 5, 5), (3, 2, 3, 3)), 0, 1),
    ("a negative pad", ((1, 2, 5, 5), (3, 2, 3, 3)), 1, -1),
])
def test_value_errors(student, rng, why, shapes, stride, pad):
    x, w = rng.standard_normal(shapes[0]), rng.standard_normal(shapes[1])
    expect_raises("ValueError", student.conv_forward, x, w, rng.standard_normal(w.shape[0]), stride, pad,
                  what=f"conv_forward with x {shapes[0]}, w {shapes[1]}, stride={stride}, pad={pad} ({why})")


def test_does_not_modify_inputs(student, reference, rng):
    """Credit for leaving the inputs alone only comes with right results."""
    spec = CONV_CASES["s2 p1 drop, 3x2 kernel"]
    x, w, b, _ = conv_problem(rng, **spec)
    given = {"x": x, "w": w, "b": b}
    before = {k: v.copy() for k, v in given.items()}
    _check(student, reference, x, w, b, 2, 1, f"conv_forward with {_describe(**spec)}", hints=False, copy=False)
    check_unchanged_all(before, given, "conv_forward")


def test_output_shape_when_the_floor_drops_pixels(student, rng):
    """(H + 2 pad - HH) not a multiple of the stride: the last rows and columns are dropped."""
    x, w = rng.standard_normal((1, 1, 10, 9)), rng.standard_normal((2, 1, 3, 2))
    for stride, pad in ((3, 0), (2, 2), (4, 1)):
        expected = conv_shape(x.shape, w.shape, stride, pad)
        what = f"conv_forward with x (1, 1, 10, 9), w (2, 1, 3, 2), stride={stride}, pad={pad}"
        out, _ = pair(student.conv_forward(x, w, np.zeros(2), stride, pad), what)
        output(out, expected, what, size_hints(x.shape, w.shape[2:], stride, pad, lambda ho, wo: (1, 2, ho, wo)))
