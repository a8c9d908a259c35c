"""Hidden tests of the activations and their derivatives (spec: backprop.md).

Every value is compared with the reference on the same input. What each test
is there to catch (see tests/catalogue/backprop/wrong/):
- values: derivatives evaluated at the wrong point (sigmoid_grad / tanh_grad
  given the activation's output instead of z), missing squares or abs, the
  notes' sgn slip in softsign;
- any shape: 0-d, 1-d, 3-d, float32 and integer inputs (integer inputs give
  floating-point results: a result array created with ``empty_like(z)`` on
  integer z truncates);
- stability: sigmoid for |z| up to 1e4, no overflow warning (the naive
  formula, and ``np.where`` evaluating exp(-z) on both branches, warn);
- kinks: relu_grad(0) = 0, leaky_relu_grad(0) = k, hardtanh_grad(+-1) = 1;
- k: leaky_relu_grad must use the k it is given;
- inputs must not be modified in place (relu via ``z[z < 0] = 0``);
- views: a Fortran-ordered, transposed or strided z, as real code passes
  (a loop that writes its results through ``out.ravel()``, a copy of a
  view, returns zeros there).

Every derivative (the ``*_grad`` functions) is checked against the
grader's central differences of the activation itself (the reference's
sigmoid and relu, numpy's tanh, the spec's formulas for the others), not
against the reference's derivative: see support.py for the step, the bound
and the kinks. At a kink the spec fixes a value by convention; those are
checked with their values in the tests named after them.
"""
import numpy as np
import pytest

from autograder.testing import check_close, check_no_warnings, check_unchanged, weight
from support import KINKS, away_from_kinks, check_derivative
from public_support import HARDTANH_CLOSED, LEAKY_RELU_FIXED_K, RELU_GRAD_AT_ZERO, SIGMOID_GRAD_OF_OUTPUT, \
    TANH_GRAD_OF_OUTPUT

LEAKY_RELU_K_TIMES_Z = "the derivative for z <= 0 is the constant k, not k * z"
FUNCTIONS = ("sigmoid", "sigmoid_grad", "tanh_grad", "relu", "relu_grad", "leaky_relu_grad", "hardtanh_grad",
             "softsign_grad")


def _sig(z):
    """Sigmoid for the hints below (inputs of moderate size only)."""
    return 1.0 / (1.0 + np.exp(-np.clip(z, -500, 500)))


def _mistakes(name, z):
    """Values that known wrong implementations of ``name`` produce on ``z``: that function's table only
    (each entry costs numpy work, and every grading asks for dozens of these)."""
    z = np.asarray(z, dtype=np.float64)
    table = {
        "sigmoid": lambda: {
            "this is sigmoid(-z): the exponent is exp(-z), not exp(z)": _sig(-z),
        },
        "sigmoid_grad": lambda: {
            SIGMOID_GRAD_OF_OUTPUT: z * (1 - z),
            "your derivative looks like it is evaluated at sigmoid(z) instead of z (sigmoid applied "
            "twice)": _sig(_sig(z)) * (1 - _sig(_sig(z))),
            "this is sigmoid(z) itself, not its derivative": _sig(z),
        },
        "tanh_grad": lambda: {
            TANH_GRAD_OF_OUTPUT: 1 - z ** 2,
            "tanh(z) must be squared: 1 - tanh(z)**2": 1 - np.tanh(z),
            "sign error: the derivative is 1 - tanh(z)**2": np.tanh(z) ** 2 - 1,
        },
        "relu_grad": lambda: {
            RELU_GRAD_AT_ZERO: (z >= 0).astype(float),
        },
        "leaky_relu_grad": lambda: {
            LEAKY_RELU_K_TIMES_Z: np.where(z > 0, 1.0, 0.01 * z),
        },
        "hardtanh_grad": lambda: {
            HARDTANH_CLOSED: ((z > -1) & (z < 1)).astype(float),
        },
        "softsign_grad": lambda: {
            "the notes' formula sgn(z) / (1 + z)**2 is a slip: differentiate z / (1 + |z|) again; the "
            "result is 1 / (1 + |z|)**2": np.sign(z) / (1 + z) ** 2,
            "the denominator must be squared: 1 / (1 + |z|)**2": 1 / (1 + np.abs(z)),
            "use |z|, not z, in the denominator (your values are wrong only for negative z)": 1 / (1 + z) ** 2,
            "this is softsign(z) itself, not its derivative": z / (1 + np.abs(z)),
        },
    }
    if name not in table:
        return {}
    with np.errstate(all="ignore"):
        return table[name]()


def _check(value, reference, name, z, what, hints=None):
    """A derivative against the numerical derivative of its activation; sigmoid and relu against the reference."""
    if name.endswith("_grad"):
        return check_derivative(value, reference, name, z, what, mistakes=hints)
    return check_close(value, getattr(reference, name)(z), what=what, inputs=(z,), mistakes=hints)


def _input(z, name):
    return away_from_kinks(z, KINKS.get(name, ()))


@pytest.mark.parametrize("name", FUNCTIONS)
def test_values(student, reference, rng, name):
    z = _input(3.0 * rng.standard_normal((4, 5)), name)                   # (4, 5), mostly in [-9, 9]
    hints = _mistakes(name, z)
    _check(getattr(student, name)(z), reference, name, z, f"{name}(z) on a (4, 5) float64 array", hints)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_any_shape_and_dtype(student, reference, rng, name):
    """The spec says "any shape": 0-d, 1-d, 3-d; float32 and integer inputs too."""
    ints = [-3, -2, 2, 3] + ([0] if name == "hardtanh_grad" else [])      # avoid the kinks but keep outputs non-zero
    cases = [
        ("a 0-d array", np.array(0.7)),
        ("a 1-d array", 2.0 * rng.standard_normal(7)),
        ("a 3-d array", 2.0 * rng.standard_normal((2, 3, 4))),
        ("a float32 array", (2.0 * rng.standard_normal((3, 4))).astype(np.float32)),
        ("an integer array", rng.choice(np.array(ints, dtype=np.int64), size=(2, 5))),
    ]
    for label, z in cases:
        z = _input(z, name)
        _check(getattr(student, name)(z), reference, name, z, f"{name}(z) for {label} of shape {z.shape}",
               _mistakes(name, z))


def _views(rng, name):
    base = _input(2.0 * rng.standard_normal((6, 8)), name)                # (6, 8), off the kinks
    return [("a Fortran-ordered (6, 8) array", np.asfortranarray(base)),
            ("a transposed (8, 6) array (x.T)", base.T),
            ("a (6, 4) slice with a step (x[:, ::2])", base[:, ::2]),
            ("a 3-d array with its axes permuted", base.reshape(2, 3, 8).transpose(2, 0, 1))]


@pytest.mark.parametrize("name", FUNCTIONS)
def test_views(student, reference, rng, name):
    """Real code passes views: a transposed matrix, a Fortran-ordered array, a slice with a step."""
    for label, z in _views(rng, name):
        what = f"{name}(z) for {label}"
        _check(getattr(student, name)(z), reference, name, z, what, _mistakes(name, z))


def _large(rng):
    big = np.array([-1e4, -3e3, -1e3, -710.0, -100.0, -40.0, 40.0, 100.0, 710.0, 1e3, 3e3, 1e4])
    return np.concatenate([big, rng.uniform(-4, 4, size=8)]).reshape(4, 5)  # (4, 5)


@weight(2)
def test_sigmoid_stable_for_large_inputs(student, reference, rng):
    z = _large(rng)
    expected = reference.sigmoid(z)
    value = student.sigmoid(z)
    check_no_warnings(student, "sigmoid(z) for |z| up to 1e4")
    check_close(value, expected, what="sigmoid(z) for |z| up to 1e4", inputs=(z,))


def test_sigmoid_stable_for_large_float32_inputs(student, reference, rng):
    # float32 overflows from exp(89): an implementation that keeps float32 must avoid large exponents too.
    z = _large(rng).astype(np.float32)
    expected = reference.sigmoid(z)
    value = student.sigmoid(z)
    what = "sigmoid(z) for float32 z with |z| up to 1e4"
    check_no_warnings(student, what)
    check_close(value, expected, what=what, inputs=(z,))


def test_sigmoid_grad_for_large_inputs(student, reference, rng):
    # Values and finiteness only: the spec promises stability (no warning) for sigmoid itself.
    big = np.array([-1e4, -1e3, -710.0, -50.0, 50.0, 710.0, 1e3, 1e4])
    z = np.concatenate([big, rng.uniform(-3, 3, size=4)])                 # (12,)
    # The numerical derivative of the reference's (stable) sigmoid is 0 or denormal for |z| >= 50, as it
    # should be; the relative error of the course is scaled by the largest values, those of the moderate z.
    check_derivative(student.sigmoid_grad(z), reference, "sigmoid_grad", z, "sigmoid_grad(z) for |z| up to 1e4",
                     mistakes=_mistakes("sigmoid_grad", z))


def test_relu_grad_is_zero_at_zero(student):
    z = np.array([[-2.0, -0.0, 0.0, 1e-12], [3.0, 0.0, -1e-12, 0.5]])
    expected, hints = (z > 0).astype(float), _mistakes("relu_grad", z)
    check_close(student.relu_grad(z), expected, what="relu_grad(z) at z == 0 and around it", inputs=(z,),
                mistakes=hints)


def test_leaky_relu_grad_at_zero_is_k(student):
    z = np.array([-2.0, -1e-12, 0.0, 1e-12, 2.0])
    check_close(student.leaky_relu_grad(z), [0.01, 0.01, 0.01, 1.0, 1.0],
                what="leaky_relu_grad(z) at z == 0 and around it (default k)", inputs=(z,),
                mistakes={"by the spec's convention leaky_relu_grad(0) is k (1 only where z > 0)":
                          [0.01, 0.01, 1.0, 1.0, 1.0]})
    check_close(student.leaky_relu_grad(z, k=0.3), [0.3, 0.3, 0.3, 1.0, 1.0],
                what="leaky_relu_grad(z, k=0.3) at z == 0 and around it", inputs=(z,))


@weight(1.5)
def test_leaky_relu_grad_uses_k(student, reference, rng):
    z = 2.0 * rng.standard_normal((3, 4))
    z = _input(z, "leaky_relu_grad")
    for k, how in ((0.2, "keyword"), (0.5, "positional"), (0.0, "keyword")):
        hints = {LEAKY_RELU_FIXED_K: np.where(z > 0, 1.0, 0.01), LEAKY_RELU_K_TIMES_Z: np.where(z > 0, 1.0, k * z)}
        value = student.leaky_relu_grad(z, k=k) if how == "keyword" else student.leaky_relu_grad(z, k)
        check_derivative(value, reference, "leaky_relu_grad", z, k=k, mistakes=hints,
                         what=f"leaky_relu_grad(z, k={k}) (k given as a {how} argument)")


def test_hardtanh_grad_at_plus_minus_one(student):
    z = np.array([-1.5, -1.0, -1.0 + 1e-12, 0.0, 1.0 - 1e-12, 1.0, 1.0 + 1e-12, 3.0])
    hints = _mistakes("hardtanh_grad", z)
    check_close(student.hardtanh_grad(z), [0, 1, 1, 1, 1, 1, 0, 0], what="hardtanh_grad(z) at z = -1 and z = 1",
                inputs=(z,), mistakes=hints)


@weight(0.5)
@pytest.mark.parametrize("name", FUNCTIONS)
def test_does_not_modify_input(student, reference, name):
    """Credit for leaving z alone only comes with a right result."""
    z = np.array([[-3.0, -1.5, -0.5, -0.25], [0.5, 1.5, 2.0, 30.0]])       # off the kinks
    original = z.copy()
    value = getattr(student, name)(z)
    check_unchanged(original, z, f"{name}(z)")
    _check(value, reference, name, original, f"{name}(z)")
