"""Hidden tests of numerical_gradient(f, x, h).

``f`` is one of the grader's functions (``autograder.testing.FUNCTIONS``),
evaluated in the student's process (``student.call_with_function``: about
250 evaluations per submission, each of which would otherwise be a round
trip to the grader); it keeps every point it is evaluated at, so a failure
can say why: a one-sided difference, a step other than h, x not restored
between elements, elements never perturbed. Those points come from the
student's process and only ever word a failure; what earns points is the
returned gradient against the grader's own central differences of the same
function with the same h (``autograder.testing.numerical_gradient``), or
values exact for the function given, and x as the call left it.

What each test is there to catch (see tests/catalogue/backprop/wrong/):
forward differences, a fixed h = 1e-5 that ignores the argument, a missing
factor 2, loops over the first axis only, x left changed; x a view
(Fortran-ordered, transposed, strided), where perturbing x.reshape(-1) or
x.ravel() perturbs a copy and leaves f's input unchanged.
"""
import numpy as np
import pytest

from autograder.testing import FUNCTIONS, CheckFailed, check_close, function_result, numerical_gradient, weight
from public_support import FIXED_STEP, FORWARD_DIFFERENCE


def _diagnose(points, x0, h):
    """Why the student's evaluation points (k, *x0.shape) are not central differences, or None."""
    x0 = np.asarray(x0, dtype=np.float64)
    seen = {}
    for p in points:
        # Rounding left by x[i] += h; x[i] -= h is a few ulps: far below any step.
        moved = np.flatnonzero(np.abs(p - x0) > 1e-9 * np.maximum(1.0, np.abs(x0)))
        if moved.size == 0:
            continue
        if moved.size > 1:
            return (f"f was evaluated at a point where {moved.size} elements of x differed from their original "
                    "values at once: restore x[i] after perturbing it, before moving on to the next element")
        i = int(moved[0])
        step = float((p - x0).reshape(-1)[i])
        if abs(abs(step) - h) > 1e-6 * h:
            return f"x was perturbed by {abs(step):.3g} instead of the h given ({h:g})"
        seen.setdefault(i, set()).add(1 if step > 0 else -1)
    missing = [i for i in range(x0.size) if i not in seen]
    if missing:
        return (f"{len(missing)} of the {x0.size} elements of x were never perturbed: loop over every element "
                "(np.ndindex(x.shape) or x.flat), whatever the shape")
    if any(len(signs) < 2 for signs in seen.values()):
        return ("f was evaluated on one side of x only: use central differences "
                "(f(x + h e_i) - f(x - h e_i)) / (2 h)")
    return None


def _check(student, f, data, x, what, h=None, expected=None, mistakes=None, tol=None):
    """numerical_gradient(FUNCTIONS[f] given data, x[, h]) checked; x's values before the call."""
    x0 = x.copy()
    run = student.call_with_function("numerical_gradient", f, data, x, *(() if h is None else (h,)))
    value, points = function_result(run)
    step = 1e-5 if h is None else h
    if expected is None:
        expected = numerical_gradient(lambda v: FUNCTIONS[f](v, **data), x0, step)
    try:
        check_close(value, expected, what=what, inputs=(x0,), mistakes=mistakes, tol=tol)
    except CheckFailed as exc:
        why = _diagnose(points, x0, step)
        raise CheckFailed(str(exc) + (f". What the grader saw: {why}" if why else "")) from None
    return x0


VIEW_COPIED = ("x.reshape(-1) and x.ravel() return a copy when x is not C-contiguous (a transposed or sliced "
               "array), so changing the copy does not change x: perturb x itself (x[idx] or x.flat[i])")


@weight(2)
@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 2)], ids=["1d", "2d", "3d"])
def test_matches_central_differences(student, rng, shape):
    x = rng.uniform(-2, 2, size=shape)
    coef, w = rng.uniform(0.5, 2.0, size=shape), rng.uniform(0.5, 1.5, size=shape)
    _check(student, "coupled", {"coef": coef, "w": w}, x, f"numerical_gradient(f, x) for x of shape {shape}, default h")


@weight(2)
@pytest.mark.parametrize("h", [0.1, 0.01])
def test_uses_the_h_given(student, rng, h):
    x = rng.uniform(-2, 2, size=(3, 3))
    coef, w = rng.uniform(0.5, 2.0, size=(3, 3)), rng.uniform(0.5, 1.5, size=(3, 3))
    # f = sum(coef * x**3) + (w . x)**2: its central difference is exactly coef * (3 x**2 + h**2) + 2 (w . x) w.
    quad = 2 * np.sum(w * x) * w
    _check(student, "cubic_and_square", {"coef": coef, "w": w}, x, f"numerical_gradient(f, x, h={h:g})",
           h=h, expected=coef * (3 * x ** 2 + h ** 2) + quad,
           mistakes={FORWARD_DIFFERENCE: coef * (3 * x ** 2 + 3 * x * h + h ** 2) + quad + h * w ** 2,
                     FIXED_STEP: 3 * coef * x ** 2 + quad,
                     "divide by 2 h: the two points are 2 h apart": 2 * (coef * (3 * x ** 2 + h ** 2) + quad),
                     "sign error: (f(x + h e_i) - f(x - h e_i)) / (2 h)": -(coef * (3 * x ** 2 + h ** 2) + quad)})


@weight(2)
@pytest.mark.parametrize("shape", [(6,), (2, 3, 2)], ids=["1d", "3d"])
def test_restores_x(student, rng, shape):
    x = rng.uniform(-2, 2, size=shape)
    weights = np.arange(1, x.size + 1).reshape(shape)
    # Credit for restoring x only comes with a right gradient (the central difference of a quadratic is exact).
    x0 = _check(student, "weighted_square", {"weights": weights}, x, f"numerical_gradient(f, x, h=1e-4) for x of "
                f"shape {shape}", h=1e-4, expected=2 * weights * x)
    # Restoring by adding and subtracting h may leave a rounding error of a few ulps: tolerate far less than h.
    if np.max(np.abs(x - x0)) > 1e-7:
        raise CheckFailed("numerical_gradient changed x: when it returns, x must hold its original values "
                          "(save x[i], perturb it, evaluate f, then put the saved value back)")


def test_gradient_of_cross_entropy(student, rng):
    logits = rng.standard_normal((3, 4))
    y = np.array([0, 3, 1])
    # The student's central differences against the grader's, same f and h: equal up to rounding.
    _check(student, "softmax_cross_entropy", {"y": y}, logits,
           "numerical_gradient of the cross-entropy loss with respect to the logits")


@weight(2)
def test_views_of_x(student, rng):
    """x as real code passes it: Fortran-ordered, transposed, a slice with a step. Perturbing x.reshape(-1)
    (a copy of such a view) never changes what f sees."""
    base = rng.uniform(-2, 2, size=(4, 6))
    for label, x in (("a Fortran-ordered (4, 6) array", np.asfortranarray(base)),
                     ("a transposed (6, 4) array (x.T)", base.T),
                     ("a (4, 3) slice with a step (x[:, ::2])", base[:, ::2])):
        coef, w = rng.uniform(0.5, 2.0, size=x.shape), rng.uniform(0.5, 1.5, size=x.shape)
        try:
            x0 = _check(student, "coupled", {"coef": coef, "w": w}, x, f"numerical_gradient(f, x) for x {label}")
        except CheckFailed as exc:
            raise CheckFailed(str(exc), hint=VIEW_COPIED if "never perturbed" in str(exc) else None) from None
        if np.max(np.abs(x - x0)) > 1e-7:
            raise CheckFailed(f"numerical_gradient changed x ({label}): when it returns, x must hold its "
                              "original values")
