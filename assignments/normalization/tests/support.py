"""Helpers of the normalization hidden tests.

Never released, and public tests cannot import it: what they share with the
hidden tests is in public_support.py.

Calling the student's forward and backward passes with clear failures, the
true gradients (central differences through the reference's forward pass),
and the hints that several files give.
"""
import numpy as np

from autograder.testing import CheckFailed
from public_support import numerical_grad

EPS_OUTSIDE_SQRT = "eps goes inside the square root: (x - mu) / sqrt(var + eps)"
TEST_MODE_USES_BATCH = "test mode normalizes with bn_param's running_mean and running_var, not the batch statistics"
DGAMMA_FROM_X = "dgamma = sum over the batch of dout * x_hat (the normalized input), not dout * x"
DGAMMA_DBETA_SWAPPED = "dgamma and dbeta look swapped"


def forward(func, x, gamma, beta, param, what):
    """(out, cache) from the student's forward pass ``func``, or a failure."""
    result = func(x, gamma, beta, param)
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise CheckFailed(f"{what} should return a tuple (out, cache)")
    return result


def student_grads(student, layer, x, gamma, beta, dout, param, where):
    """(dx, dgamma, dbeta) from the student's ``<layer>_backward`` on the cache of its ``<layer>_forward``."""
    _, cache = forward(getattr(student, f"{layer}_forward"), x, gamma, beta, param, f"{layer}_forward ({where})")
    grads = getattr(student, f"{layer}_backward")(dout, cache)
    if not isinstance(grads, (tuple, list)) or len(grads) != 3:
        raise CheckFailed(f"{layer}_backward ({where}) should return a tuple (dx, dgamma, dbeta)")
    return grads


def true_grad(forward_pass, param, x, gamma, beta, dout, name, h=1e-5):
    """``name`` (dx, dgamma or dbeta): central differences of sum(out * dout) through ``forward_pass`` (the
    reference's, given a copy of ``param`` at every call), in float64."""
    x, gamma, beta, dout = (np.asarray(a, dtype=np.float64) for a in (x, gamma, beta, dout))

    def f(x=x, gamma=gamma, beta=beta):
        out, _ = forward_pass(x, gamma, beta, dict(param))
        return float(np.sum(out * dout))

    return numerical_grad(f, name, x, gamma, beta, h)


def stored(bn_param, key, what, channels=None):
    """``bn_param[key]`` after a training step, of shape (channels,) when given, or a failure."""
    if key not in bn_param:
        raise CheckFailed(f"{what}: bn_param has no {key!r} after a training step; store the updated running "
                          "statistics in bn_param")
    if channels is None:
        return bn_param[key]
    value = np.asarray(bn_param[key])
    if value.shape != (channels,):
        raise CheckFailed(f"{what}: bn_param[{key!r}] has shape {value.shape}; the running statistics have one "
                          f"entry per channel, shape ({channels},)")
    return value
