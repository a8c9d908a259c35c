"""The checks tests use: the grader's own numerical gradient."""

import numpy as np

from autograder.checks import numerical_gradient


def test_numerical_gradient_of_a_transposed_array():
    """A non-contiguous x (a transposed view) gets its gradient, not zeros."""
    x = np.arange(12.0).reshape(3, 4).T
    weights = np.linspace(-1.0, 1.0, 12).reshape(4, 3)
    grad = numerical_gradient(lambda v: float(np.sum(weights * v ** 2)), x)
    np.testing.assert_allclose(grad, 2 * weights * x, rtol=1e-6, atol=1e-6)
    assert np.array_equal(x, np.arange(12.0).reshape(3, 4).T)  # the caller's x is left as it was
