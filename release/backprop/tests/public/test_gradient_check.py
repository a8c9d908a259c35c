"""Public tests of numerical_gradient(f, x, h).

For f(x) = sum(c * x**3) the central difference is exactly
c * (3 x**2 + h**2), so the expected values are closed forms, and a large h
makes a forward difference or an ignored h visible.
"""
import numpy as np

from autograder.testing import check_close, check_true
from public_support import FIXED_STEP, FORWARD_DIFFERENCE

X = np.array([[0.5, -1.0, 2.0], [1.5, -0.25, 0.75]])   # (2, 3)
C = np.array([[1.0, 2.0, -1.0], [0.5, 1.0, 3.0]])      # (2, 3)
X.setflags(write=False)  # shared constants; tests pass copies of X
C.setflags(write=False)


def cubic(x):
    return float(np.sum(C * np.asarray(x) ** 3))


def test_gradient_of_a_cubic(student):
    x = X.copy()
    check_close(student.numerical_gradient(cubic, x), 3 * C * X ** 2, what="numerical_gradient(f, x) for "
                "f(x) = sum(c * x**3), default h", inputs=(x,))


def test_central_differences_with_the_h_given(student):
    h = 0.1
    x = X.copy()
    check_close(student.numerical_gradient(cubic, x, h), C * (3 * X ** 2 + h ** 2),
                what="numerical_gradient(f, x, h=0.1) for f(x) = sum(c * x**3)", inputs=(x,),
                mistakes={FORWARD_DIFFERENCE: C * (3 * X ** 2 + 3 * X * h + h ** 2), FIXED_STEP: 3 * C * X ** 2})


def test_x_is_restored(student):
    x = X.copy()
    value = student.numerical_gradient(cubic, x, 0.01)
    check_close(value, C * (3 * X ** 2 + 0.01 ** 2), what="numerical_gradient(f, x, h=0.01)", inputs=(X,))
    check_true(np.allclose(x, X, rtol=0, atol=1e-8),
               "numerical_gradient changed x: when it returns, x must hold its original values "
               "(restore x[i] after perturbing it)")
