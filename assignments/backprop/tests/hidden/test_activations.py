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
- inputs must not be modified in place (relu via ``z[z < 0] = 0``).
"""
import numpy as np
import pytest

from autograder.testing import check_close, check_no_warnings, check_unchanged, weight
from public_support import HARDTANH_CLOSED, LEAKY_RELU_FIXED_K, RELU_GRAD_AT_ZERO, SIGMOID_GRAD_OF_OUTPUT, \
    TANH_GRAD_OF_OUTPUT

LEAKY_RELU_K_TIMES_Z = "the derivative for z <= 0 is the constant k, not k * z"
FUNCTIONS = ("sigmoid", "sigmoid_grad", "tanh_grad", "relu", "relu_grad", "leaky_relu_grad", "hardtanh_grad",
             "softsign_grad")


def _sig(z):
    """Sigmoid for the hints below (inputs of moderate size only)."""
    return 1.0 / (1.0 + np.exp(-np.clip(z, -500, 500)))


def _mistakes(name, z):
    """Values that known wrong implementations produce on ``z``."""
    z = np.asarray(z, dtype=np.float64)
    with np.errstate(all="ignore"):
        s = _sig(z)
        t = np.tanh(z)
        table = {
            "sigmoid": {
                "this is sigmoid(-z): the exponent is exp(-z), not exp(z)": _sig(-z),
            },
            "sigmoid_grad": {
                SIGMOID_GRAD_OF_OUTPUT: z * (1 - z),
                "your derivative looks like it is evaluated at sigmoid(z) instead of z (sigmoid applied "
                "twice)": _sig(s) * (1 - _sig(s)),
                "this is sigmoid(z) itself, not its derivative": s,
            },
            "tanh_grad": {
                TANH_GRAD_OF_OUTPUT: 1 - z ** 2,
                "tanh(z) must be squared: 1 - tanh(z)**2": 1 - t,
                "sign error: the derivative is 1 - tanh(z)**2": t ** 2 - 1,
            },
            "relu_grad": {
                RELU_GRAD_AT_ZERO: (z >= 0).astype(float),
            },
            "leaky_relu_grad": {
                LEAKY_RELU_K_TIMES_Z: np.where(z > 0, 1.0, 0.01 * z),
            },
            "hardtanh_grad": {
                HARDTANH_CLOSED: ((z > -1) & (z < 1)).astype(float),
            },
            "softsign_grad": {
                "the notes' formula sgn(z) / (1 + z)**2 is a slip: differentiate z / (1 + |z|) again; the "
                "result is 1 / (1 + |z|)**2": np.sign(z) / (1 + z) ** 2,
                "the denominator must be squared: 1 / (1 + |z|)**2": 1 / (1 + np.abs(z)),
                "use |z|, not z, in the denominator (your values are wrong only for negative z)": 1 / (1 + z) ** 2,
                "this is softsign(z) itself, not its derivative": z / (1 + np.abs(z)),
            },
        }
    return table.get(name, {})


@pytest.mark.parametrize("name", FUNCTIONS)
def test_values(student, reference, rng, name):
    z = 3.0 * rng.standard_normal((4, 5))                                  # (4, 5), mostly in [-9, 9]
    expected, hints = getattr(reference, name)(z), _mistakes(name, z)      # before the student's call
    check_close(getattr(student, name)(z), expected, what=f"{name}(z) on a (4, 5) float64 array", inputs=(z,),
                mistakes=hints)


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
        expected, hints = getattr(reference, name)(z), _mistakes(name, z)
        check_close(getattr(student, name)(z), expected, what=f"{name}(z) for {label} of shape {z.shape}",
                    inputs=(z,), mistakes=hints)


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
    expected, hints = reference.sigmoid_grad(z), _mistakes("sigmoid_grad", z)
    check_close(student.sigmoid_grad(z), expected, what="sigmoid_grad(z) for |z| up to 1e4", inputs=(z,),
                mistakes=hints)


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
    for k, how in ((0.2, "keyword"), (0.5, "positional"), (0.0, "keyword")):
        expected = reference.leaky_relu_grad(z, k=k)
        hints = {LEAKY_RELU_FIXED_K: np.where(z > 0, 1.0, 0.01), LEAKY_RELU_K_TIMES_Z: np.where(z > 0, 1.0, k * z)}
        value = student.leaky_relu_grad(z, k=k) if how == "keyword" else student.leaky_relu_grad(z, k)
        check_close(value, expected, what=f"leaky_relu_grad(z, k={k}) (k given as a {how} argument)", inputs=(z,),
                    mistakes=hints)


def test_hardtanh_grad_at_plus_minus_one(student):
    z = np.array([-1.5, -1.0, -1.0 + 1e-12, 0.0, 1.0 - 1e-12, 1.0, 1.0 + 1e-12, 3.0])
    hints = _mistakes("hardtanh_grad", z)
    check_close(student.hardtanh_grad(z), [0, 1, 1, 1, 1, 1, 0, 0], what="hardtanh_grad(z) at z = -1 and z = 1",
                inputs=(z,), mistakes=hints)


@weight(0.5)
@pytest.mark.parametrize("name", FUNCTIONS)
def test_does_not_modify_input(student, reference, name):
    """Credit for leaving z alone only comes with a right result."""
    z = np.array([[-3.0, -1.0, -0.5, 0.0], [0.5, 1.0, 2.0, 30.0]])
    original = z.copy()
    value = getattr(student, name)(z)
    check_unchanged(original, z, f"{name}(z)")
    check_close(value, getattr(reference, name)(original), what=f"{name}(z)", inputs=(z,))
