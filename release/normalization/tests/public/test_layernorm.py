"""Public tests of layernorm_forward and layernorm_backward.

The expected output is the layer-norm formula written out here (statistics
per sample); the expected gradients are the grader's central differences of
f = sum(out * dout).
"""
import numpy as np
import pytest

from autograder.testing import check_close
from public_support import backward, call, numerical_grad

X = np.array([[1.0, -2.0, 0.5, 3.0], [3.0, 0.0, 0.25, 1.0], [2.0, 4.0, -1.0, 0.0]])   # (3, 4)
GAMMA = np.array([1.5, -0.5, 2.0, 1.0])
BETA = np.array([0.1, 0.2, -0.3, 0.0])
DOUT = np.array([[0.3, -1.0, 0.5, 0.2], [1.2, 0.4, -0.7, -0.5], [-0.6, 0.9, 0.2, 1.0]])


def _ln(x=X, gamma=GAMMA, beta=BETA, eps=1e-5):
    mu = x.mean(axis=1, keepdims=True)
    var = x.var(axis=1, keepdims=True)                  # biased: divide by D
    return gamma * (x - mu) / np.sqrt(var + eps) + beta


def test_forward_values(student):
    for ln_param in (None, {}, {"eps": 1e-5}):
        out, _ = call(student.layernorm_forward, X.copy(), GAMMA.copy(), BETA.copy(), ln_param)
        check_close(out, _ln(), what=f"layernorm_forward(x, gamma, beta, {ln_param!r}) (N=3, D=4)", inputs=(X,),
                    mistakes={"layer norm takes its statistics per sample, over the features (axis 1)":
                              GAMMA * (X - X.mean(axis=0)) / np.sqrt(X.var(axis=0) + 1e-5) + BETA})


@pytest.mark.parametrize("index,name", [(0, "dx"), (1, "dgamma"), (2, "dbeta")])
def test_gradient(student, index, name):
    _, cache = call(student.layernorm_forward, X.copy(), GAMMA.copy(), BETA.copy(), None)
    grads = backward(student.layernorm_backward, DOUT.copy(), cache)

    def f(**given):
        return float(np.sum(_ln(**given) * DOUT))

    expected = numerical_grad(f, name, X, GAMMA, BETA)
    # Central differences agree with the exact gradient to ~1e-10 here, inside the default 1e-7.
    check_close(grads[index], expected, what=f"{name} from layernorm_backward (N=3, D=4)", inputs=(X,))
