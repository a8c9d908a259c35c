"""Checks that tests use to judge the student's values.

Every failure raises :class:`CheckFailed` with a message written for the
student: which function, which input class, how far off, and a hint when the
value matches a known mistake. Messages never include expected arrays or
test code, so hidden tests stay hidden.
"""

from __future__ import annotations

import numpy as np

FLOAT64_TOL = 1e-7
FLOAT32_TOL = 1e-4


class CheckFailed(AssertionError):
    """A test's verdict on the student's value; the message is shown to the student.

    ``hint`` names the known mistake the value was recognised as, if any: it
    is appended to the message for the student and kept apart in the result
    (``mistake``) so that reports can count mistakes without parsing text.
    """

    def __init__(self, message: str = "", hint: str | None = None):
        super().__init__(message + (f". Hint: {hint}" if hint else ""))
        self.hint = hint


class PartialCredit(Exception):
    """Raised by a test to award a fraction of its points (threshold parts)."""

    def __init__(self, fraction: float, message: str):
        super().__init__(message)
        self.fraction = float(min(max(fraction, 0.0), 1.0))


def rel_error(a, b) -> float:
    """The course's relative error: max|a - b| / max(max|a| + max|b|, 1e-8)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.size == 0 and b.size == 0:
        return 0.0
    scale = max(float(np.max(np.abs(a))) + float(np.max(np.abs(b))), 1e-8)
    return float(np.max(np.abs(a - b))) / scale


def default_tol(*inputs) -> float:
    """1e-7 for float64 inputs, 1e-4 when any input is float32 (README of the spec)."""
    for x in inputs:
        if isinstance(x, np.ndarray) and x.dtype == np.float32:
            return FLOAT32_TOL
    return FLOAT64_TOL


def check_array(value, what: str, shape=None, finite: bool = True) -> np.ndarray:
    """The student's value as a float64 array, or a clear failure."""
    if value is None:
        raise CheckFailed(f"{what} returned None; did you forget a return statement?")
    if isinstance(value, (tuple, list)) and shape is not None and len(np.shape(shape)) and not _numeric_sequence(value):
        raise CheckFailed(f"{what} returned a {type(value).__name__}, expected an array of shape {tuple(shape)}")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise CheckFailed(f"{what} returned a {type(value).__name__}, which is not an array of numbers") from None
    if shape is not None and arr.shape != tuple(shape):
        raise CheckFailed(f"{what} returned shape {arr.shape}, expected {tuple(shape)}")
    if finite and not np.all(np.isfinite(arr)):
        bad = "NaN" if np.any(np.isnan(arr)) else "inf"
        raise CheckFailed(f"{what} contains {bad} values")
    return arr


def _numeric_sequence(value) -> bool:
    try:
        np.asarray(value, dtype=np.float64)
        return True
    except (TypeError, ValueError):
        return False


def check_scalar(value, what: str) -> float:
    """A loss-like result: a Python float or a 0-d / size-1 numpy value."""
    arr = check_array(value, what)
    if arr.size != 1:
        raise CheckFailed(f"{what} should be a single number, got an array of shape {arr.shape}")
    return float(arr.reshape(()))


def check_close(actual, expected, what: str, tol: float | None = None, mistakes: dict | None = None,
                inputs: tuple = ()) -> np.ndarray:
    """Compare with the reference by the course's relative error.

    ``mistakes`` maps a hint to the value a known wrong implementation
    would produce on the same input; a match adds the hint to the message.
    """
    expected = np.asarray(expected, dtype=np.float64)
    tol = tol if tol is not None else default_tol(*inputs)
    arr = check_array(actual, what, shape=expected.shape, finite=bool(np.all(np.isfinite(expected))))
    err = rel_error(arr, expected)
    if err <= tol:
        return arr
    message = f"{what}: relative error {err:.1e} is above the tolerance {tol:.0e}"
    raise CheckFailed(message, hint=recognise(arr, mistakes, tol))


def recognise(actual, mistakes: dict | None, tol: float) -> str | None:
    """The hint of the first known mistake whose value ``actual`` matches."""
    for hint, wrong in (mistakes or {}).items():
        wrong = np.asarray(wrong, dtype=np.float64)
        if wrong.shape == np.shape(actual) and rel_error(actual, wrong) <= max(tol, 1e-6):
            return hint
    return None


def check_unchanged(before: np.ndarray, after: np.ndarray, what: str) -> None:
    """The student's function must not modify its input arrays in place."""
    if not np.array_equal(before, after, equal_nan=True):
        raise CheckFailed(f"{what} changed its input array in place; compute the result in a new array "
                          "(the caller's data must stay as it was)")


def check_true(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def numerical_gradient(f, x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """The grader's own central-difference gradient of scalar ``f`` at ``x``.

    ``f`` receives a C-contiguous float64 copy of ``x`` (whatever the layout of ``x``: the
    steps are made through a flat view of that copy, which a transposed array would not have).
    """
    x = np.array(x, dtype=np.float64, order="C")
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        up = f(x)
        flat[i] = old - h
        down = f(x)
        flat[i] = old
        gflat[i] = (up - down) / (2 * h)
    return grad


def threshold_credit(value: float, floor: float, target: float) -> float:
    """Full credit at or above ``target``, linear down to ``floor``, none below."""
    if value >= target:
        return 1.0
    if value <= floor:
        return 0.0
    return (value - floor) / (target - floor)


def expect_raises(exc_name: str, call, *args, what: str, **kwargs) -> None:
    """The student's function must raise ``exc_name`` (or a subclass) for this input."""
    from autograder.sandbox.faults import StudentRaised

    try:
        call(*args, **kwargs)
    except StudentRaised as exc:
        if exc_name in exc.mro:
            return
        raise CheckFailed(f"{what} raised {exc.type_name}, expected {exc_name}") from None
    raise CheckFailed(f"{what} should raise {exc_name}")


def check_no_warnings(student, what: str) -> None:
    """Stability: the last call emitted no overflow / invalid-value warning.

    numpy reports those as RuntimeWarning; other categories (a
    DeprecationWarning, say) say nothing about stability.
    """
    seen = [w for w in student.warnings() if w.startswith("RuntimeWarning")]
    if seen:
        raise CheckFailed(f"{what} is not numerically stable: numpy warned {seen[0]!r}")
