"""Helpers of the normalization hidden tests.

Never released, and public tests cannot import it: what they share with the
hidden tests is in public_support.py.

Calling the student's forward and backward passes with clear failures, the
true gradients (central differences through the reference's forward pass),
the check of a gradient against them, the views and the two layers in
flight that real code passes, and the hints that several files give.

Bounds: a gradient passes when its relative error against the numerical
gradient is below BOUND_64 = 1e-7 (float64 inputs; the steps each test
chooses keep the central differences within 3e-9 of the exact gradient, see
there) or BOUND_32 = 1e-4 (float32 inputs: the student may compute in
float32, rounding ~1e-7 relative, amplified by 1 / std in dx).
"""
import numpy as np

from autograder.testing import CheckFailed, check_gradient
from public_support import numerical_grad

BOUND_64 = 1e-7
BOUND_32 = 1e-4

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


def check_grad(value, numeric, what, x, mistakes=None):
    """A gradient against the grader's numerical gradient, with the bound of x's dtype."""
    bound = BOUND_32 if np.asarray(x).dtype == np.float32 else BOUND_64
    return check_gradient(value, numeric, what, bound, mistakes)


def views(x, gamma, beta, dout):
    """The same values as views real code passes: x Fortran-ordered, dout and gamma, beta slices with a step."""
    def strided(a):
        store = np.zeros(a.shape[:-1] + (2 * a.shape[-1],), dtype=a.dtype)
        store[..., 1::2] = a
        return store[..., 1::2]

    return np.asfortranarray(x), strided(gamma), strided(beta), strided(dout)


IN_FLIGHT_HINT = ("the first layer's gradients were computed from the second layer's forward pass: keep what the "
                  "backward pass needs in the cache that the forward pass returns, not in a global variable or a "
                  "class attribute shared by every layer")
CACHE_CHANGED_HINT = ("the backward pass changed its cache (an in-place operation on an array of the cache?): a "
                      "second backward pass with the same cache must give the same gradients")


def in_flight(student, layer, first, second, param_of, where):
    """Two layers of one network: forward ``first`` then ``second`` ((x, gamma, beta, dout) each), then the
    backward passes in reverse order. Returns the gradients of the first layer and of the second."""
    caches = []
    for i, (x, gamma, beta, _) in enumerate((first, second)):
        _, cache = forward(getattr(student, f"{layer}_forward"), x, gamma, beta, param_of(),
                           f"{layer}_forward (layer {i + 1} of 2, {where})")
        caches.append(cache)
    grads = [None, None]
    for i in (1, 0):
        grads[i] = getattr(student, f"{layer}_backward")((first, second)[i][3], caches[i])
        if not isinstance(grads[i], (tuple, list)) or len(grads[i]) != 3:
            raise CheckFailed(f"{layer}_backward ({where}) should return a tuple (dx, dgamma, dbeta)")
    return grads
