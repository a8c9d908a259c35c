"""Helpers of the backprop hidden tests.

Never released, and public tests cannot import it: what they share with the
hidden tests is in public_support.py.

Gradients are checked the way the grader's contract says: against the
grader's central differences of the REFERENCE forward pass (the loss, or
sum(act(z)) for an activation), never against the reference's own backward
pass. The step and the bound of each check are set here, with the reasons.

Steps and bounds. In float64, central differences err from the exact
derivative by about h**2 |f'''| / 6 (curvature) plus about 1e-16 |f| / h
(rounding); h = 1e-5 balances the two for the values of order 1 these tests
use. Measured against the exact derivatives (formulas, on the inputs the
tests draw, 100-300 seeds): activations at most 5e-11, softmax
cross-entropy 1e-9, the two-layer network 3e-9 (relative error of the
course). The bound 1e-7, the course's float64 tolerance, leaves a margin of
30 or more above those and stays far below every known mistake (1e-2 and
up). A float32 input gets the course's float32 bound 1e-4: the student's
result may be computed in float32 (rounding ~1e-7), the numerical gradient
is always taken in float64.

Kinks (relu and leaky relu at 0, hard tanh at -1 and 1, the hinge where
margin + s_c - s = 0, softsign's second derivative at 0) have no derivative
or a central difference that errs by O(h): inputs are moved at least
KINK_GAP = 1e-3 away from them, 100 steps, so that both evaluation points lie
on the same side. What the spec fixes AT a kink (relu_grad(0) = 0, the
hinge's 0) is a convention, checked with its own value in its own test.
"""
import numpy as np

from autograder.testing import check_gradient, numerical_gradient, numerical_gradient_elementwise

H = 1e-5                 # central-difference step for inputs of order 1 (see above)
BOUND_64 = 1e-7          # relative error allowed against the numerical gradient, float64 inputs
BOUND_32 = 1e-4          # float32 inputs
KINK_GAP = 1e-3          # inputs are kept this far from kinks: 100 steps h

FORWARD = {              # what each derivative is the derivative of: the reference's, or the spec's formula
    "sigmoid_grad": lambda ref, k: ref.sigmoid,
    "tanh_grad": lambda ref, k: np.tanh,
    "relu_grad": lambda ref, k: ref.relu,
    "leaky_relu_grad": lambda ref, k: (lambda z: np.where(z > 0, z, k * z)),
    "hardtanh_grad": lambda ref, k: (lambda z: np.clip(z, -1.0, 1.0)),
    "softsign_grad": lambda ref, k: (lambda z: z / (1.0 + np.abs(z))),
}
KINKS = {"relu_grad": (0.0,), "leaky_relu_grad": (0.0,), "hardtanh_grad": (-1.0, 1.0), "softsign_grad": (0.0,)}


def bound(*inputs) -> float:
    """BOUND_32 when any input is a float32 array, else BOUND_64."""
    return BOUND_32 if any(isinstance(a, np.ndarray) and a.dtype == np.float32 for a in inputs) else BOUND_64


def away_from_kinks(z, kinks, gap=KINK_GAP):
    """``z`` with every element closer than ``gap`` to a kink moved to gap from it, on its side; same dtype."""
    z = np.asarray(z)
    if not np.issubdtype(z.dtype, np.floating):
        return z                                          # integer inputs: the tests pick them off the kinks
    moved = z.astype(np.float64)
    for k in kinks:
        near = np.abs(moved - k) < gap
        moved[near] = k + np.where(moved[near] >= k, gap, -gap)
    return moved.astype(z.dtype)


def activation_gradient(reference, name, z, k=0.01):
    """The grader's numerical derivative of the activation behind ``name`` at z (float64, elementwise)."""
    return numerical_gradient_elementwise(FORWARD[name](reference, k), np.asarray(z, dtype=np.float64), 1.0, H)


def check_derivative(value, reference, name, z, what, k=0.01, mistakes=None):
    """The student's ``name``(z) against the numerical derivative of its activation at z."""
    return check_gradient(value, activation_gradient(reference, name, z, k), what, bound(z), mistakes)


def loss_gradient(loss, x, h=H):
    """Central differences of the scalar ``loss`` (the reference's forward pass) at x, in float64."""
    return numerical_gradient(lambda v: float(loss(v)), np.asarray(x, dtype=np.float64), h)
