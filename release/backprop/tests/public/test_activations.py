"""Public tests of the activations and their derivatives (spec: backprop.md).

Expected values are closed forms computed here, on small inputs where the
textbook formulas are accurate. The hidden tests check more shapes, dtypes,
large inputs and the conventions at the kinks.
"""
import numpy as np

from autograder.testing import check_close, check_no_warnings, check_unchanged, weight
from public_support import HARDTANH_CLOSED, LEAKY_RELU_FIXED_K, RELU_GRAD_AT_ZERO, SIGMOID_GRAD_OF_OUTPUT, \
    TANH_GRAD_OF_OUTPUT

Z = np.array([[-3.0, -1.5, -0.5, 0.0], [0.25, 0.5, 1.0, 2.5]])  # (2, 4); no -1: a hint divides by 1 + z
Z.setflags(write=False)  # a shared constant: a student's in-place change must not reach later tests


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def test_sigmoid_small_inputs(student):
    check_close(student.sigmoid(Z), _sigmoid(Z), what="sigmoid(z) for z in [-3, 2.5]", inputs=(Z,))


def test_sigmoid_large_inputs_are_stable(student):
    z = np.array([-1000.0, -50.0, -1.0, 0.0, 1.0, 50.0, 1000.0])
    expected = np.array([0.0, np.exp(-50.0), _sigmoid(-1.0), 0.5, _sigmoid(1.0), 1.0, 1.0])
    value = student.sigmoid(z)
    check_no_warnings(student, "sigmoid(z) for |z| up to 1000")
    check_close(value, expected, what="sigmoid(z) for |z| up to 1000", inputs=(z,))


def test_sigmoid_grad(student):
    s = _sigmoid(Z)
    check_close(student.sigmoid_grad(Z), s * (1 - s), what="sigmoid_grad(z)", inputs=(Z,),
                mistakes={SIGMOID_GRAD_OF_OUTPUT: Z * (1 - Z)})


def test_tanh_grad(student):
    check_close(student.tanh_grad(Z), 1 - np.tanh(Z) ** 2, what="tanh_grad(z)", inputs=(Z,),
                mistakes={TANH_GRAD_OF_OUTPUT: 1 - Z ** 2})


def test_relu_and_relu_grad(student):
    check_close(student.relu(Z), np.maximum(Z, 0), what="relu(z)", inputs=(Z,))
    check_close(student.relu_grad(Z), (Z > 0).astype(float), what="relu_grad(z) (0 at z == 0)", inputs=(Z,),
                mistakes={RELU_GRAD_AT_ZERO: (Z >= 0).astype(float)})


def test_leaky_relu_grad(student):
    check_close(student.leaky_relu_grad(Z), np.where(Z > 0, 1.0, 0.01), what="leaky_relu_grad(z) with the default k",
                inputs=(Z,))
    check_close(student.leaky_relu_grad(Z, k=0.2), np.where(Z > 0, 1.0, 0.2), what="leaky_relu_grad(z, k=0.2)",
                inputs=(Z,), mistakes={LEAKY_RELU_FIXED_K: np.where(Z > 0, 1.0, 0.01)})


def test_hardtanh_grad(student):
    z = np.array([-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0])
    check_close(student.hardtanh_grad(z), [0, 1, 1, 1, 1, 1, 0], what="hardtanh_grad(z), including z = -1 and 1",
                inputs=(z,), mistakes={HARDTANH_CLOSED: [0, 0, 1, 1, 1, 0, 0]})


def test_softsign_grad(student):
    check_close(student.softsign_grad(Z), 1 / (1 + np.abs(Z)) ** 2, what="softsign_grad(z)", inputs=(Z,),
                mistakes={"the derivative of z / (1 + |z|) is 1 / (1 + |z|)**2 (no sign factor, and |z|, "
                          "not z, in the denominator)": np.sign(Z) / (1 + Z) ** 2})


@weight(0.5)
def test_relu_does_not_modify_its_input(student):
    z = Z.copy()
    value = student.relu(z)
    check_unchanged(Z, z, "relu(z)")
    check_close(value, np.maximum(Z, 0), what="relu(z)", inputs=(Z,))
