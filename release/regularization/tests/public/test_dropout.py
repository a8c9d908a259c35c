"""Public tests of dropout_forward and dropout_backward (spec: regularization.md).

Dropout is random, so these tests check properties and statistics, never a
particular random stream: any correct way of drawing the mask passes. The
hidden tests check more: other values of p, independence of the mask across
elements and rows, float32 inputs, 1-d and 3-d inputs, the backward pass in
test mode, and that the inputs are not modified.

The statistical check below fails a correct implementation with probability
at most 1e-7: the kept fraction K / n of n independent elements obeys
Hoeffding's inequality P(|K/n - (1 - p)| >= t) <= 2 exp(-2 n t^2), which is
1e-7 at t = sqrt(ln(2e7) / (2 n)) (0.0092 for n = 100,000).
"""
import math

import numpy as np

from autograder.testing import CheckFailed, check_array, check_close, expect_raises


def nonzero_input(rng, shape):
    """Values with |x| in [0.5, 2]: the dropped elements are exactly the zeros of out."""
    return rng.uniform(0.5, 2.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)


def forward(student, x, p, train, rng):
    """dropout_forward's (out, cache), or a clear failure when it returns something else."""
    result = student.dropout_forward(x, p, train, rng)
    if not (isinstance(result, (tuple, list)) and len(result) == 2):
        raise CheckFailed(f"dropout_forward must return a pair (out, cache), got a {type(result).__name__}")
    return result


def test_train_mode_drops_and_rescales(student):
    rng = np.random.default_rng(0)
    x = nonzero_input(rng, (400, 250))                           # (400, 250): n = 100,000
    p = 0.3
    out, _ = forward(student, x, p, True, np.random.default_rng(1))
    out = check_array(out, "dropout_forward(x, p=0.3, train=True)", shape=x.shape)
    kept = out != 0
    check_close(out, np.where(kept, x / (1 - p), 0.0), what="dropout_forward(x, p=0.3, train=True): each element "
                "must be 0 or x / (1 - p)", inputs=(x,),
                mistakes={"the kept activations are not rescaled: divide them by 1 - p": np.where(kept, x, 0.0)})
    frac = float(np.mean(kept))
    t = math.sqrt(math.log(2e7) / (2 * kept.size))               # Hoeffding, false-failure rate 1e-7
    if abs(frac - (1 - p)) >= t:
        raise CheckFailed(f"dropout_forward(x, p=0.3, train=True) kept {frac:.4f} of the elements; the kept fraction "
                          f"must be 1 - p = 0.7 (allowed: {0.7 - t:.4f} to {0.7 + t:.4f}). p is the probability of "
                          "DROPPING a unit")


def test_test_mode_returns_x(student):
    x = nonzero_input(np.random.default_rng(2), (5, 6))
    out, _ = forward(student, x, 0.5, False, np.random.default_rng(3))
    check_close(out, x, what="dropout_forward(x, p=0.5, train=False)", inputs=(x,),
                mistakes={"inverted dropout does no scaling at test time": 0.5 * x})


def test_p_zero_returns_x(student):
    x = nonzero_input(np.random.default_rng(4), (5, 6))
    out, _ = forward(student, x, 0.0, True, np.random.default_rng(5))
    check_close(out, x, what="dropout_forward(x, p=0.0, train=True)", inputs=(x,))


def test_backward_uses_the_forward_mask(student):
    rng = np.random.default_rng(6)
    x = nonzero_input(rng, (30, 40))
    dout = nonzero_input(rng, (30, 40))
    out, cache = forward(student, x, 0.5, True, np.random.default_rng(7))
    kept = np.asarray(out) != 0
    check_close(student.dropout_backward(dout, cache), np.where(kept, dout / 0.5, 0.0),
                what="dropout_backward(dout, cache) after dropout_forward(x, p=0.5, train=True)", inputs=(dout,),
                mistakes={"the gradient is not rescaled by 1 / (1 - p)": np.where(kept, dout, 0.0)})


def test_p_equal_to_one_raises(student):
    expect_raises("ValueError", student.dropout_forward, np.ones((2, 3)), 1.0, True, np.random.default_rng(0),
                  what="dropout_forward(x, p=1.0, train=True)")


def test_same_seed_gives_the_same_output(student):
    x = nonzero_input(np.random.default_rng(8), (20, 30))
    a, _ = forward(student, x, 0.5, True, np.random.default_rng(42))
    b, _ = forward(student, x, 0.5, True, np.random.default_rng(42))
    if not np.array_equal(np.asarray(a), np.asarray(b)):
        raise CheckFailed("dropout_forward gave different outputs for two generators seeded alike: draw the mask "
                          "from the rng argument only")
