"""Checks that tests use to judge the student's values.

Every failure raises :class:`CheckFailed` with a message written for the
student: which function, which input class, how far off, and a hint when the
value matches a known mistake. Messages never include expected arrays or
test code, so hidden tests stay hidden.
"""

from __future__ import annotations

import numpy as np

from autograder.memo import remembered

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


def check_close(actual, expected, what: str, tol: float | None = None, mistakes=None,
                inputs: tuple = ()) -> np.ndarray:
    """Compare with the reference by the course's relative error.

    ``mistakes`` maps a hint to the value a known wrong implementation
    would produce on the same input; a match adds the hint to the message.
    It may also be a function of no arguments returning that dict, called
    only when the check fails: a correct answer then costs nothing for
    wrong implementations' values (:func:`recognise`).
    """
    expected = np.asarray(expected, dtype=np.float64)
    tol = tol if tol is not None else default_tol(*inputs)
    arr = check_array(actual, what, shape=expected.shape, finite=bool(np.all(np.isfinite(expected))))
    err = rel_error(arr, expected)
    if err <= tol:
        return arr
    message = f"{what}: relative error {err:.1e} is above the tolerance {tol:.0e}"
    raise CheckFailed(message, hint=recognise(arr, mistakes, tol))


def recognise(actual, mistakes, tol: float) -> str | None:
    """The hint of the first known mistake whose value ``actual`` matches. ``mistakes``: {hint: wrong value},
    or a function of no arguments that returns it (computed only now, for an answer that failed)."""
    if callable(mistakes):
        mistakes = mistakes()
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


@remembered
def numerical_gradient(f, x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """The grader's own central-difference gradient of scalar ``f`` at ``x`` (any layout: ``f`` gets a
    C-ordered float64 copy, perturbed one element at a time). Remembered (``memo.py``): the same ``f`` (code
    and every value it reaches) at the same ``x`` is computed once per process."""
    x = np.array(x, dtype=np.float64, order="C")  # a copy whose reshape(-1) is a view, whatever x's layout
    grad = np.zeros(x.shape)
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


def numerical_gradient_elementwise(forward, x: np.ndarray, upstream=1.0, h: float = 1e-5) -> np.ndarray:
    """Central differences of f = sum(forward(x) * upstream) for an ELEMENTWISE ``forward`` (out[i] depends on
    x[i] alone), every element perturbed at once: the same numbers as :func:`numerical_gradient` at the cost
    of two calls instead of 2 x.size."""
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(over="ignore", under="ignore"):
        diff = (np.asarray(forward(x + h), dtype=np.float64) - np.asarray(forward(x - h), dtype=np.float64))
    return diff / (2 * h) * np.asarray(upstream, dtype=np.float64)


def check_gradient(actual, numeric, what: str, bound: float, mistakes=None) -> np.ndarray:
    """A backward result against the grader's numerical gradient ``numeric``; passes when the course's
    relative error is below ``bound``.

    The test chooses the step h behind ``numeric`` and ``bound`` and says why beside them (central
    differences in float64 err by ~h**2 from the curvature plus ~1e-16 |f| / h from rounding). ``mistakes``
    as for :func:`check_close`: values known wrong implementations give, for a hint only; the decision is
    the comparison with ``numeric``.
    """
    numeric = np.asarray(numeric, dtype=np.float64)
    arr = check_array(actual, what, shape=numeric.shape, finite=bool(np.all(np.isfinite(numeric))))
    err = rel_error(arr, numeric)
    if err < bound:
        return arr
    raise CheckFailed(f"{what}: relative error {err:.1e} against the numerical gradient (must be < {bound:.0e})",
                      hint=recognise(arr, mistakes, bound))


def check_training(run) -> dict[str, np.ndarray]:
    """The parameters a grader's loop in the student's process trained (``Student.loop_sgd``,
    ``loop_descend``), checked here.

    ``run`` is the :class:`~autograder.sandbox.student.LoopRun` the loop method returned. Returns
    ``{name: float64 array}`` for each name of the parameters the loop started from (``{"w": ...}`` for
    ``loop_descend``), each checked to have its starting shape; NaN and inf are let through: a training
    that diverged scores what it scores. Fails with the first step whose result was unusable, as the loop
    reported it, or plainly when the reply is not what a loop sends: it comes from the student's process,
    so only its plain values are read, and each is checked.
    """
    reply, function, steps = run.reply, run.function, run.steps
    if not isinstance(reply, dict) or not isinstance(reply.get("params"), dict):
        raise CheckFailed(f"the training loop with your {function} sent back a {_name(reply)} instead of the "
                          "trained parameters (did your code replace the grader's loop?)")
    problem = reply.get("problem")
    if problem is not None:
        raise CheckFailed(_training_problem(problem, run))
    done = reply.get("steps")
    stopped = run.loop == "descend" and reply.get("stopped") is True  # the loss diverged: it may stop early
    if type(done) is not int or not (done == steps or stopped and 0 <= done < steps):
        done = done if type(done) is int else f"a {_name(done)}"
        raise CheckFailed(f"the training loop with your {function} stopped after {done} of {steps} steps "
                          "without saying why")
    return {name: check_array(reply["params"].get(name), f"{name} after {steps} training steps with your {function}",
                              shape=start.shape, finite=False)
            for name, start in run.start.items()}


def function_result(run) -> tuple[object, np.ndarray]:
    """(the student's return value, the points f was evaluated at) of a call with a grader's function in the
    student's process (``Student.call_with_function``; ``run`` is its ``FunctionRun``).

    The value is the student's, to check like any return value. The points (float64, shape (k, *x's shape))
    came from the student's process, whose code could have forged them: use them only to say why a check
    failed, never for a score. A reply of another form fails plainly; points of another form read as none.
    """
    reply = run.reply
    if not isinstance(reply, dict) or "value" not in reply:
        raise CheckFailed(f"the call of your {run.function} with the grader's function sent back a {_name(reply)} "
                          "instead of its result (did your code replace the grader's code?)")
    points = reply.get("points")
    if not (isinstance(points, np.ndarray) and points.dtype == np.float64 and points.shape[1:] == tuple(run.shape)
            and points.ndim == len(run.shape) + 1):
        points = np.zeros((0, *run.shape))
    return reply["value"], points


def _name(value) -> str:
    """The name of ``value``'s type, for a message."""
    return _clean(type(value).__name__)


def _clean(name: str) -> str:
    """A name the student's process sent, for a message: letters, digits, _ and . only."""
    return "".join(c if c.isalnum() or c in "_." else "?" for c in name[:100]) or "?"


# What each loop's student function returns, and the values a step's problem can be about.
_RETURNS = {"sgd": ("(loss, grads) with grads a dict", "grads"), "descend": ("(next_w, config) with config a dict",
                                                                              "config")}


def _training_problem(problem, run) -> str:
    """The message for a loop's description of the step that went wrong (``probes.sgd``, ``probes.descend``)."""
    function, steps = run.function, run.steps
    if not isinstance(problem, dict):
        return f"the training loop with your {function} stopped, and its report is unreadable"
    step = problem.get("step")
    at = f"while training (step {step} of {steps})" if type(step) is int else "while training"
    kind, key, got = problem.get("kind"), problem.get("key"), problem.get("type")
    got = _clean(got) if isinstance(got, str) else "?"
    pair, second = _RETURNS[run.loop]
    if kind == "result":
        length = problem.get("length")
        got += f" of {length} values" if type(length) is int else ""
        return f"{at}, {function} did not return {pair}: it returned a {got}"
    if kind == second:
        return f"{at}, {function} did not return {pair}: {second} was a {got}"
    if not isinstance(key, str) or key not in run.start:
        return f"{at}, the result of {function} could not be used"
    if kind == "missing" and run.loop == "sgd":
        return f"{at}, grads from {function} had no key {key!r}"
    where = f"{at}, grads[{key!r}] from {function}" if run.loop == "sgd" else f"{at}, next_w from {function}"
    if kind == "none":
        return f"{where} was None; did you forget a return statement?"
    expected = run.start[key].shape
    if kind == "sequence":
        return f"{where} was a {got}, expected an array of shape {expected}"
    if kind == "type":
        return f"{where} was a {got}, which is not an array of numbers"
    shape = problem.get("shape")
    if kind == "shape" and isinstance(shape, list) and len(shape) <= 32 and all(type(n) is int for n in shape):
        return f"{where} has shape {tuple(shape)}, expected {expected}"
    return f"{at}, the result of {function} could not be used"


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
