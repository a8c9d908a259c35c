"""Helpers shared by the normalization tests, public and hidden.

Released next to the public tests, which import it: a student may read all
of it. The hidden tests' own helpers are in support.py, which is not.
"""
from autograder.testing import CheckFailed, numerical_gradient

RESHAPE_MIXES_CHANNELS = ("x.reshape(-1, C) mixes channels and positions: move C last first, "
                          "x.transpose(0, 2, 3, 1).reshape(-1, C), and undo both steps on the way back")
WITH_RESPECT_TO = {"dx": "x", "dgamma": "gamma", "dbeta": "beta"}


def call(func, *args):
    """(out, cache) from a forward function, or a failure that says what came back."""
    result = func(*args)
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise CheckFailed(f"{func.__name__} should return a tuple (out, cache), got {type(result).__name__}")
    return result


def backward(func, dout, cache):
    """(dx, dgamma, dbeta) from a backward function, or a failure."""
    grads = func(dout, cache)
    if not isinstance(grads, (tuple, list)) or len(grads) != 3:
        raise CheckFailed(f"{func.__name__} should return a tuple (dx, dgamma, dbeta)")
    return grads


def numerical_grad(f, name, x, gamma, beta, h=1e-5):
    """The grader's central differences for ``name`` (dx, dgamma or dbeta) of the number
    f(x=..., gamma=..., beta=...), at x, gamma and beta; f is given only the argument that varies."""
    which = WITH_RESPECT_TO[name]
    return numerical_gradient(lambda v: f(**{which: v}), {"x": x, "gamma": gamma, "beta": beta}[which], h)
