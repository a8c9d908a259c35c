"""Public tests of the two-layer network: forward pass, loss and gradients.

The expected forward pass and loss are the spec's formulas written out here;
the expected gradients are the grader's central differences of that loss.
"""
import numpy as np
import pytest

from autograder.testing import CheckFailed, check_close, check_scalar, expect_raises, numerical_gradient

N, D, H, C = 5, 3, 4, 3


def _problem(rng):
    X = rng.standard_normal((N, D))
    y = np.array([0, 2, 1, 2, 0])
    params = {"W1": 0.8 * rng.standard_normal((D, H)), "b1": 0.3 * rng.standard_normal(H),
              "W2": 0.8 * rng.standard_normal((H, C)), "b2": 0.3 * rng.standard_normal(C)}
    return X, y, params


def _act(a, activation):
    functions = {"sigmoid": lambda v: 1 / (1 + np.exp(-v)), "tanh": np.tanh, "relu": lambda v: np.maximum(v, 0)}
    return functions[activation](a)


def _forward(X, p, activation):
    return _act(X @ p["W1"] + p["b1"], activation) @ p["W2"] + p["b2"]


def _loss(X, y, p, activation, reg):
    s = _forward(X, p, activation)
    s = s - s.max(axis=1, keepdims=True)
    logp = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    return -np.mean(logp[np.arange(len(y)), y]) + 0.5 * reg * (np.sum(p["W1"] ** 2) + np.sum(p["W2"] ** 2))


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_forward(student, rng, activation):
    X, _, params = _problem(rng)
    check_close(student.mlp_forward(X, params, activation), _forward(X, params, activation),
                what=f"mlp_forward(X, params, {activation!r})", inputs=(X,))


def test_unknown_activation_raises_value_error(student, rng):
    X, _, params = _problem(rng)
    expect_raises("ValueError", student.mlp_forward, X, params, "softplus",
                  what="mlp_forward(X, params, 'softplus') (an unknown activation)")


@pytest.mark.parametrize("activation,reg", [("sigmoid", 0.0), ("tanh", 0.1)])
def test_loss_and_gradients(student, rng, activation, reg):
    X, y, params = _problem(rng)
    result = student.mlp_loss_and_grads(X, y, params, activation, reg)
    if not isinstance(result, (tuple, list)) or len(result) != 2 or not isinstance(result[1], dict):
        raise CheckFailed("mlp_loss_and_grads should return (loss, grads) with grads a dict")
    loss, grads = result
    where = f"activation={activation!r}, reg={reg}"
    check_close(check_scalar(loss, "the loss of mlp_loss_and_grads"), _loss(X, y, params, activation, reg),
                what=f"the loss of mlp_loss_and_grads ({where})", inputs=(X,))
    for name in ("W1", "b1", "W2", "b2"):
        if name not in grads:
            raise CheckFailed(f"grads has no key {name!r}")

        def f(value, name=name):
            return _loss(X, y, {**params, name: value}, activation, reg)

        # Central differences agree with the exact gradient to ~1e-10 here, inside the default 1e-7.
        check_close(grads[name], numerical_gradient(f, params[name]), what=f"grads[{name!r}] ({where})",
                    inputs=(X,))
