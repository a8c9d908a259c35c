"""Public tests of batchnorm_backward.

The expected gradients are the grader's central differences of
f = sum(out * dout), with out computed by the batch-norm formula written out
here (train mode).
"""
import numpy as np
import pytest

from autograder.testing import check_close
from public_support import backward, call, numerical_grad

X = np.array([[1.0, -2.0, 0.5], [3.0, 0.0, 0.25], [2.0, 4.0, -1.0], [-2.0, 1.0, 0.75]])   # (4, 3)
GAMMA = np.array([1.5, -0.5, 2.0])
BETA = np.array([0.1, 0.2, -0.3])
DOUT = np.array([[0.3, -1.0, 0.5], [1.2, 0.4, -0.7], [-0.6, 0.9, 0.2], [0.8, -0.1, 1.1]])


def _f(x=X, gamma=GAMMA, beta=BETA):
    mu, var = x.mean(axis=0), x.var(axis=0)
    out = gamma * (x - mu) / np.sqrt(var + 1e-5) + beta
    return float(np.sum(out * DOUT))


@pytest.mark.parametrize("index,name", [(0, "dx"), (1, "dgamma"), (2, "dbeta")])
def test_gradient(student, index, name):
    _, cache = call(student.batchnorm_forward, X.copy(), GAMMA.copy(), BETA.copy(), {"mode": "train"})
    grads = backward(student.batchnorm_backward, DOUT.copy(), cache)
    expected = numerical_grad(_f, name, X, GAMMA, BETA)
    # Central differences agree with the exact gradient to ~1e-10 here, inside the default 1e-7.
    check_close(grads[index], expected, what=f"{name} from batchnorm_backward (N=4, D=3)", inputs=(X,))
