"""Public tests of batchnorm_backward.

The expected gradients are the grader's central differences of
f = sum(out * dout), with out computed by the batch-norm formula written out
here (train mode).
"""
import numpy as np
import pytest

from autograder.testing import CheckFailed, check_close, numerical_gradient

X = np.array([[1.0, -2.0, 0.5], [3.0, 0.0, 0.25], [2.0, 4.0, -1.0], [-2.0, 1.0, 0.75]])   # (4, 3)
GAMMA = np.array([1.5, -0.5, 2.0])
BETA = np.array([0.1, 0.2, -0.3])
DOUT = np.array([[0.3, -1.0, 0.5], [1.2, 0.4, -0.7], [-0.6, 0.9, 0.2], [0.8, -0.1, 1.1]])



def _call(func, *args):
    """(out, cache) from a forward function, or a failure that says what came back."""
    result = func(*args)
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise CheckFailed(f"{func.__name__} should return a tuple (out, cache), got {type(result).__name__}")
    return result

def _f(x=X, gamma=GAMMA, beta=BETA):
    mu, var = x.mean(axis=0), x.var(axis=0)
    out = gamma * (x - mu) / np.sqrt(var + 1e-5) + beta
    return float(np.sum(out * DOUT))


@pytest.mark.parametrize("index,name", [(0, "dx"), (1, "dgamma"), (2, "dbeta")])
def test_gradient(student, index, name):
    _, cache = _call(student.batchnorm_forward, X.copy(), GAMMA.copy(), BETA.copy(), {"mode": "train"})
    grads = student.batchnorm_backward(DOUT.copy(), cache)
    if not isinstance(grads, (tuple, list)) or len(grads) != 3:
        raise CheckFailed("batchnorm_backward should return a tuple (dx, dgamma, dbeta)")
    expected = {"dx": lambda: numerical_gradient(lambda v: _f(x=v), X),
                "dgamma": lambda: numerical_gradient(lambda v: _f(gamma=v), GAMMA),
                "dbeta": lambda: numerical_gradient(lambda v: _f(beta=v), BETA)}[name]()
    # Central differences agree with the exact gradient to ~1e-10 here, inside the default 1e-7.
    check_close(grads[index], expected, what=f"{name} from batchnorm_backward (N=4, D=3)", inputs=(X,))
