"""Public tests of spatial_batchnorm_forward and spatial_batchnorm_backward.

The expected output is batch normalization per channel over N, H and W,
written out here; the expected gradients are the grader's central
differences of f = sum(out * dout).
"""
import numpy as np
import pytest

from autograder.testing import CheckFailed, check_close
from public_support import RESHAPE_MIXES_CHANNELS, backward, call, numerical_grad

SHAPE = (2, 3, 2, 4)   # N, C, H, W
X = (np.arange(48.0).reshape(SHAPE) % 7 - 3.0) * np.array([1.0, 0.5, 2.0]).reshape(1, 3, 1, 1) \
    + np.array([1.0, -2.0, 0.0]).reshape(1, 3, 1, 1)
GAMMA = np.array([1.5, -0.5, 2.0])
BETA = np.array([0.1, 0.2, -0.3])
DOUT = np.cos(np.arange(48.0)).reshape(SHAPE)


def _sbn(x=X, gamma=GAMMA, beta=BETA, eps=1e-5):
    mu = x.mean(axis=(0, 2, 3), keepdims=True)
    var = x.var(axis=(0, 2, 3), keepdims=True)
    return gamma.reshape(1, -1, 1, 1) * (x - mu) / np.sqrt(var + eps) + beta.reshape(1, -1, 1, 1)


def test_train_values(student):
    bn = {"mode": "train"}
    out, _ = call(student.spatial_batchnorm_forward, X.copy(), GAMMA.copy(), BETA.copy(), bn)
    rows = X.reshape(-1, 3)                             # the classic bug: no transpose before the reshape
    wrong = (GAMMA * (rows - rows.mean(axis=0)) / np.sqrt(rows.var(axis=0) + 1e-5) + BETA).reshape(SHAPE)
    check_close(out, _sbn(), what="spatial_batchnorm_forward in train mode (N=2, C=3, H=2, W=4)", inputs=(X,),
                mistakes={RESHAPE_MIXES_CHANNELS: wrong})
    for key in ("running_mean", "running_var"):
        if key not in bn or np.shape(bn[key]) != (3,):
            raise CheckFailed(f"after a training step bn_param[{key!r}] should hold one value per channel, shape (3,)")


@pytest.mark.parametrize("index,name", [(0, "dx"), (1, "dgamma"), (2, "dbeta")])
def test_gradient(student, index, name):
    _, cache = call(student.spatial_batchnorm_forward, X.copy(), GAMMA.copy(), BETA.copy(), {"mode": "train"})
    grads = backward(student.spatial_batchnorm_backward, DOUT.copy(), cache)

    def f(**given):
        return float(np.sum(_sbn(**given) * DOUT))

    expected = numerical_grad(f, name, X, GAMMA, BETA)
    # Central differences agree with the exact gradient to ~1e-10 here, inside the default 1e-7.
    check_close(grads[index], expected, what=f"{name} from spatial_batchnorm_backward (N=2, C=3, H=2, W=4)",
                inputs=(X,))
