"""A grader's function evaluated in the box: Student.call_with_function (probes.with_function) and the
grader's reading of its reply (checks.function_result)."""

import numpy as np
import pytest

from autograder.checks import CheckFailed, function_result, numerical_gradient
from autograder.sandbox import probes, zygote
from autograder.sandbox.faults import MissingFunction, SandboxError, StudentRaised
from autograder.sandbox.student import FunctionRun
from helpers import student_process

SOURCE = '''\
import numpy as np
import sys

def central(f, x, h=1e-5):
    """Central differences, perturbing x itself (a view stays a view) and restoring it."""
    grad = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + h
        up = f(x)
        x[idx] = old - h
        down = f(x)
        x[idx] = old
        grad[idx] = (up - down) / (2 * h)
    return grad

def leaves_x(f, x, h=1e-5):
    x += 1.0
    return np.zeros(x.shape)

def draws(f, x):
    return np.random.standard_normal(3)

def flat_f(f, x):
    return f(x.reshape(-1))

def zero_f(f, x):
    """A forger: zero the grader's function's coefficients in place, then answer zeros."""
    for value in f.data.values():
        value[...] = 0
    return np.zeros(x.shape)

def raises(f, x):
    return 1 // 0

def many(f, x, n):
    for _ in range(n):
        f(x)
    return 0.0

class Opaque:
    pass

def forge(reply=None):
    """Replace the grader's code, in this process, by one that sends back ``reply`` (None: an object)."""
    reply = Opaque() if reply is None else reply
    sys.modules["autograder.sandbox.probes"].PROBES["with_function"] = lambda *args, **kwargs: reply
'''


@pytest.fixture(scope="module")
def student():
    with student_process(SOURCE, call_timeout_s=10) as proxy:
        yield proxy
    zygote.shutdown()  # as test_loops.py: leave no idle warm box of this kind behind


def coupled():
    rng = np.random.default_rng(0)
    return {"coef": rng.uniform(0.5, 2, (4, 6)), "w": rng.uniform(0.5, 1.5, (4, 6))}, rng.uniform(-2, 2, (4, 6))


@pytest.mark.parametrize("layout", ["C", "transposed", "strided"])
def test_the_students_gradient_of_the_grader_function_with_every_point_it_saw(student, layout):
    data, base = coupled()
    x = {"C": base, "transposed": base.T, "strided": base[:, ::2]}[layout]
    data = {name: np.array({"C": v, "transposed": v.T, "strided": v[:, ::2]}[layout]) for name, v in data.items()}
    x0 = x.copy()
    run = student.call_with_function("central", "coupled", data, x)
    value, points = function_result(run)
    expected = numerical_gradient(lambda v: probes.coupled(v, **data), x0)
    # Two implementations of the same central differences differ by rounding of f (about 1e-15 relative,
    # f is O(10)) over 2h = 2e-5: 1e-9 is far below any wrong gradient and far above that.
    np.testing.assert_allclose(value, expected, rtol=1e-9, atol=1e-9)
    assert points.shape == (2 * x.size, *x.shape) and run.reply["calls"] == 2 * x.size
    moved = np.abs(points - x0).reshape(len(points), -1).argmax(axis=1)
    assert sorted(moved.tolist()) == sorted(list(range(x.size)) * 2)  # every element, once on each side
    assert np.array_equal(x, x0)  # perturbed and restored in the box: the view saw the changes


def test_x_changed_in_place_comes_back_as_from_a_direct_call(student):
    data, x = coupled()
    x0 = x.copy()
    function_result(student.call_with_function("leaves_x", "coupled", data, x))
    assert np.array_equal(x, x0 + 1.0)


def test_the_functions_data_changed_in_place_never_reaches_the_tests_values(student):
    """Only x comes back: were f's coefficients mirrored, zeroing them would make the grader expect zeros."""
    data, x = coupled()
    before = {name: value.copy() for name, value in data.items()}
    value, _ = function_result(student.call_with_function("zero_f", "coupled", data, x))
    assert all(np.array_equal(data[name], before[name]) for name in data)
    assert not np.allclose(numerical_gradient(lambda v: probes.coupled(v, **data), x), value)


def test_the_student_draws_the_numbers_a_direct_call_draws(student):
    data, x = coupled()
    direct = student.draws(lambda v: 0.0, x)  # the grader's f called back: the old way
    value, _ = function_result(student.call_with_function("draws", "coupled", data, x))
    assert np.array_equal(value, direct)


def test_f_of_another_shape_raises_in_the_students_code(student):
    data, x = coupled()
    with pytest.raises(StudentRaised, match=r"f was given an array of shape \(24,\); it expects x's shape \(4, 6\)"):
        student.call_with_function("flat_f", "coupled", data, x)


def test_errors_are_the_students_as_in_a_direct_call(student):
    data, x = coupled()
    with pytest.raises(StudentRaised, match="ZeroDivisionError"):
        student.call_with_function("raises", "coupled", data, x)
    with pytest.raises(MissingFunction, match=r"does not define a function numerical_gradient\(\)"):
        student.call_with_function("numerical_gradient", "coupled", data, x)
    with pytest.raises(ValueError, match="unknown function 'cubic'"):
        student.call_with_function("central", "cubic", data, x)


def test_a_probe_the_box_does_not_have_is_the_graders_fault_not_the_students(student):
    """An older box, or a typo in a test: flagged for the TA (a SandboxError), never a student's missing function."""
    data, x = coupled()
    with pytest.raises(SandboxError, match=r"could not prepare the call to central\(\): no probe 'with_functions'"):
        student._session.call("central", ("central", "coupled", data, x), {}, probe="with_functions")
    function_result(student.call_with_function("central", "coupled", data, x))  # the process is still there


def test_points_are_kept_up_to_a_bound_and_counted_past_it(student):
    data, x = coupled()
    run = student.call_with_function("many", "coupled", data, x, probes.MAX_POINTS + 5)
    _, points = function_result(run)
    assert points.shape == (probes.MAX_POINTS, 4, 6) and run.reply["calls"] == probes.MAX_POINTS + 5


@pytest.mark.parametrize("reply, points", [
    ({"value": 1.0, "points": [[1.0]]}, 0),  # a list
    ({"value": 1.0, "points": np.zeros((3, 2), dtype=np.float32)}, 0),  # another dtype
    ({"value": 1.0, "points": np.zeros((3, 5))}, 0),  # another shape
    ({"value": 1.0, "points": np.zeros(2)}, 0),  # not stacked
    ({"value": 1.0}, 0),
    ({"value": 1.0, "points": np.zeros((3, 2))}, 3),
])
def test_forged_points_read_as_none(reply, points):
    value, got = function_result(FunctionRun("central", (2,), reply))
    assert value == 1.0 and got.shape == (points, 2)


@pytest.mark.parametrize("reply", [None, 1.5, [1.0], {"points": np.zeros((0, 2))}])
def test_a_reply_without_a_value_fails_the_check(reply):
    with pytest.raises(CheckFailed, match=r"^the call of your central with the grader's function sent back a "
                                          r"\w+ instead of its result"):
        function_result(FunctionRun("central", (2,), reply))


def test_the_grader_code_replaced_by_the_students_is_read_like_any_reply():
    data, x = coupled()
    with student_process(SOURCE) as student:
        student.forge({"value": np.ones((4, 6)), "points": "<script>"})
        value, points = function_result(student.call_with_function("central", "coupled", data, x))
        assert np.array_equal(value, np.ones((4, 6))) and points.shape == (0, 4, 6)
        student.forge()  # an object the channel does not carry: it comes back as a handle
        with pytest.raises(CheckFailed, match=r"sent back a Handle instead of its result"):
            function_result(student.call_with_function("central", "coupled", data, x))
