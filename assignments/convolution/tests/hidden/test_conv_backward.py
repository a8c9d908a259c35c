"""Hidden tests of conv_backward (spec: convolution.md).

The student's conv_forward makes the cache, the student's conv_backward
turns dout into (dx, dw, db), and each gradient is compared, in a test of
its own, with the grader's central differences of L = sum(out * dout),
where out comes from the REFERENCE forward pass: the check is against the
true gradient of the convolution, whatever the student's forward pass does.

Tolerance: L is linear in each of x, w and b, so central differences have
no truncation error, only rounding, about 1e-16 * |L| / h relative; over
200 seeds of every case here the largest relative error against the exact
gradient is 5e-10. The course's 1e-7 for float64 inputs leaves a factor of
200; float32 inputs get the course's 1e-4 (a backward pass computed in
float32 is off by at most 2e-7 here, over 100 seeds).

What each test is there to catch (see tests/catalogue/convolution/wrong/):
overlapping windows overwritten instead of added (=, not +=), the stride
ignored in the backward pass, dx cropped from the corner of dx_pad or with
pad:-pad (empty when pad = 0), a flipped kernel in dx or a flipped dw, dw
from the last image only, db averaged or summed over the wrong axes (N = F,
where shapes cannot tell), pixels dropped by the floor given a gradient,
a cache kept in a global (another forward call in between), a cache that
only works once, strides computed by hand (transposed dout), dout modified.
"""
import numpy as np
import pytest

from autograder.testing import CheckFailed, weight
from public_support import PAD_SLICE, output, pair, triple
from support import CONV_CASES, check_unchanged_all, close, conv_backward_hints, conv_problem, conv_true_grad, fresh

GRADS = ("dx", "dw", "db")
OF = {"dx": "x", "dw": "w", "db": "b"}


def _describe(n, c, h, w, f, hh, ww, stride, pad):
    return f"x {(n, c, h, w)}, w {(f, c, hh, ww)}, stride={stride}, pad={pad}"


def _student_grads(student, x, w, b, stride, pad, dout, where, copy=True):
    x, w, b, dout = fresh(x, w, b, dout) if copy else (x, w, b, dout)
    _, cache = pair(student.conv_forward(x, w, b, stride, pad), f"conv_forward ({where})")
    return triple(student.conv_backward(dout, cache), f"conv_backward ({where})")


def _check_grad(reference, value, name, x, w, b, stride, pad, dout, where, hints=True):
    """One of dx, dw, db against central differences through the reference's forward pass."""
    what = f"{name} from conv_backward ({where})"
    target = {"x": x, "w": w, "b": b}[OF[name]]
    if name == "dx" and np.shape(value) == (x.shape[0], x.shape[1], x.shape[2] + 2 * pad, x.shape[3] + 2 * pad) \
            and pad:
        raise CheckFailed(f"{what} has the shape of the padded input", hint=PAD_SLICE)
    if name == "dx" and np.size(value) == 0 and x.size:
        raise CheckFailed(f"{what} is empty", hint=PAD_SLICE)
    value = output(value, target.shape, what)
    expected = conv_true_grad(reference, x, w, b, stride, pad, dout, OF[name])
    close(value, expected, what, (x, w, b, dout), (lambda: conv_backward_hints(x, w, dout, stride, pad)[name])
          if hints else None)


def _run(student, reference, rng, case, name):
    spec = CONV_CASES[case]
    x, w, b, dout = conv_problem(rng, **spec)
    where = _describe(**spec)
    grads = _student_grads(student, x, w, b, spec["stride"], spec["pad"], dout, where)
    _check_grad(reference, grads[GRADS.index(name)], name, x, w, b, spec["stride"], spec["pad"], dout, where)


@weight(2)
@pytest.mark.parametrize("case", list(CONV_CASES), ids=list(CONV_CASES))
def test_dx(student, reference, rng, case):
    _run(student, reference, rng, case, "dx")


@weight(1.5)
@pytest.mark.parametrize("case", list(CONV_CASES), ids=list(CONV_CASES))
def test_dw(student, reference, rng, case):
    _run(student, reference, rng, case, "dw")


@pytest.mark.parametrize("case", list(CONV_CASES), ids=list(CONV_CASES))
def test_db(student, reference, rng, case):
    _run(student, reference, rng, case, "db")


@weight(1.5)
def test_float32(student, reference, rng):
    spec = CONV_CASES["s2 p1 drop, 3x2 kernel"]
    x, w, b, dout = conv_problem(rng, **spec, dtype=np.float32)
    where = f"float32 inputs, {_describe(**spec)}"
    grads = _student_grads(student, x, w, b, 2, 1, dout, where)
    for name, value in zip(GRADS, grads):
        _check_grad(reference, value, name, x, w, b, 2, 1, dout, where)


@weight(1.5)
def test_transposed_dout_and_inputs(student, reference, rng):
    """dout, x and w that are not C-contiguous (transposed views, Fortran order), pad 0."""
    x = rng.standard_normal((2, 8, 7, 2)).transpose(0, 3, 2, 1)            # (2, 2, 7, 8)
    w = np.asfortranarray(rng.standard_normal((4, 2, 3, 2)))
    b = rng.standard_normal(4)
    dout = rng.standard_normal((2, 4, 4, 3)).transpose(0, 1, 3, 2)          # (2, 4, 3, 4): stride 2, pad 0
    where = "x a transposed view (2, 2, 7, 8), w (4, 2, 3, 2) in Fortran order, dout a transposed view, stride=2, pad=0"
    grads = _student_grads(student, x, w, b, 2, 0, dout, where)
    for name, value in zip(GRADS, grads):
        _check_grad(reference, value, name, x, w, b, 2, 0, dout, where, hints=False)


@weight(2)
def test_caches_of_two_forward_calls(student, reference, rng):
    """forward(A), forward(B), backward(A), backward(B), backward(A) again: each cache holds its own call."""
    problems = []
    for case in ("s2 p1 drop, 3x2 kernel", "s1 p0, N=1, 2x3 kernel"):
        spec = CONV_CASES[case]
        x, w, b, dout = conv_problem(rng, **spec)
        where = _describe(**spec)
        _, cache = pair(student.conv_forward(*fresh(x, w, b), spec["stride"], spec["pad"]), f"conv_forward ({where})")
        problems.append((x, w, b, spec["stride"], spec["pad"], dout, cache, where))
    order = ((0, "the first of two forward calls, after the second"), (1, "the second forward call"),
             (0, "the first forward call, its cache used a second time"))
    for index, when in order:
        x, w, b, stride, pad, dout, cache, where = problems[index]
        grads = triple(student.conv_backward(*fresh(dout), cache), f"conv_backward on the cache of {when}")
        for name, value in zip(GRADS, grads):
            _check_grad(reference, value, name, x, w, b, stride, pad, dout, f"on the cache of {when}: {where}",
                        hints=False)


def test_does_not_modify_inputs(student, reference, rng):
    """Credit for leaving x, w, b and dout alone only comes with right gradients."""
    spec = CONV_CASES["s2 p1 drop, 3x2 kernel"]
    x, w, b, dout = conv_problem(rng, **spec)
    given = {"x": x, "w": w, "b": b, "dout": dout}
    before = {k: v.copy() for k, v in given.items()}
    where = _describe(**spec)
    grads = _student_grads(student, x, w, b, 2, 1, dout, where, copy=False)
    for name, value in zip(GRADS, grads):
        _check_grad(reference, value, name, before["x"], before["w"], before["b"], 2, 1, before["dout"], where,
                    hints=False)
    check_unchanged_all(before, given, "conv_forward / conv_backward")
