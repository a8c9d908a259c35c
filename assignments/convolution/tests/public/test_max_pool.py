"""Public tests of max_pool_forward and max_pool_backward.

The forward values and the routing of ties are worked out by hand in the
comments; the overlapping case compares dx with central differences of
L = sum(out * dout) through YOUR max_pool_forward, on values without ties.
"""
import numpy as np

from autograder.testing import check_close
from public_support import FIRST_MAXIMUM, grad_of_sum, output, pair

X = np.array([[[[1.0, 3.0, 2.0, 0.0, 9.0],
                [4.0, 2.0, 1.0, 5.0, 9.0],
                [0.0, 1.0, 3.0, 2.0, 9.0],
                [2.0, 6.0, 1.0, 1.0, 9.0],
                [9.0, 9.0, 9.0, 9.0, 9.0]]]])           # (1, 1, 5, 5)


def test_forward_2x2_stride_2_drops_the_last_row_and_column(student):
    # H_out = (5 - 2) // 2 + 1 = 2: the windows cover rows and columns 0-3; the 9s are never seen.
    expected = np.array([[[[4.0, 5.0],
                           [6.0, 3.0]]]])
    out, _ = pair(student.max_pool_forward(X, 2, 2), "max_pool_forward")
    what = "max_pool_forward with x (1, 1, 5, 5), pool_size=2, stride=2"
    check_close(output(out, (1, 1, 2, 2), what), expected, what=what, inputs=(X,))


def test_backward_ties_go_to_the_first_maximum(student):
    x = np.array([[[[0.0, 0.0, 1.0, 2.0],
                    [0.0, 0.0, 2.0, 0.0],
                    [3.0, 1.0, 0.0, 3.0],
                    [3.0, 3.0, 3.0, 0.0]]]])             # every window has a tie
    dout = np.array([[[[1.0, 2.0],
                       [3.0, 4.0]]]])
    # Row-major order within each window: the first of the tied maxima gets everything.
    expected = np.array([[[[1.0, 0.0, 0.0, 2.0],
                           [0.0, 0.0, 0.0, 0.0],
                           [3.0, 0.0, 0.0, 4.0],
                           [0.0, 0.0, 0.0, 0.0]]]])
    everywhere = np.array([[[[1.0, 1.0, 0.0, 2.0], [1.0, 1.0, 2.0, 0.0],
                             [3.0, 0.0, 0.0, 4.0], [3.0, 3.0, 4.0, 0.0]]]])
    _, cache = pair(student.max_pool_forward(x, 2, 2), "max_pool_forward")
    what = "dx from max_pool_backward with ties, x (1, 1, 4, 4), pool_size=2, stride=2"
    dx = output(student.max_pool_backward(dout, cache), x.shape, what)
    check_close(dx, expected, what=what, inputs=(x,), mistakes={FIRST_MAXIMUM: everywhere})


def test_backward_overlapping_windows(student):
    x = (np.random.default_rng(3).permutation(2 * 5 * 7) / 10.0).reshape(1, 2, 5, 7)       # no ties
    dout = np.random.default_rng(4).standard_normal((1, 2, 2, 3))   # pool 3, stride 2: (5 - 3) // 2 + 1 = 2, 3
    _, cache = pair(student.max_pool_forward(x, 3, 2), "max_pool_forward")
    what = "dx from max_pool_backward with x (1, 2, 5, 7), pool_size=3, stride=2 (overlapping windows)"
    dx = output(student.max_pool_backward(dout, cache), x.shape, what)
    expected = grad_of_sum(student.max_pool_forward, {"x": x, "pool_size": 3, "stride": 2}, "x", dout)
    # Without ties the pooled output is linear around x: central differences are exact up to rounding (~1e-10).
    check_close(dx, expected, what=what, inputs=(x,))
