"""The checks tests use: the grader's own numerical gradient, and the hints of known mistakes."""

import numpy as np
import pytest

from autograder.checks import CheckFailed, check_close, check_gradient, numerical_gradient


def test_numerical_gradient_of_a_transposed_array():
    """A non-contiguous x (a transposed view) gets its gradient, not zeros."""
    x = np.arange(12.0).reshape(3, 4).T
    weights = np.linspace(-1.0, 1.0, 12).reshape(4, 3)
    grad = numerical_gradient(lambda v: float(np.sum(weights * v ** 2)), x)
    np.testing.assert_allclose(grad, 2 * weights * x, rtol=1e-6, atol=1e-6)
    assert np.array_equal(x, np.arange(12.0).reshape(3, 4).T)  # the caller's x is left as it was


@pytest.mark.parametrize("check", [lambda value, mistakes: check_close(value, np.ones(3), "f(x)", mistakes=mistakes),
                                   lambda value, mistakes: check_gradient(value, np.ones(3), "df", 1e-7, mistakes)])
def test_mistakes_given_as_a_function_are_worked_out_only_for_a_failed_check(check):
    asked = []

    def mistakes():
        asked.append(1)
        return {"the sign is wrong": -np.ones(3), "off by two": 2 * np.ones(3)}

    check(np.ones(3), mistakes)  # right: the wrong values are never computed
    assert asked == []
    with pytest.raises(CheckFailed) as failed:
        check(2 * np.ones(3), mistakes)
    assert failed.value.hint == "off by two" and asked == [1]
    with pytest.raises(CheckFailed) as failed:  # a dict, as before
        check(-np.ones(3), mistakes())
    assert failed.value.hint == "the sign is wrong"
