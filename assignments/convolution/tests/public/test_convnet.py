"""Public tests of convnet_loss.

With W2 = 0 and b2 = 0 every class gets the same score, so the mean
cross-entropy is log K whatever the convolution does; the gradients are
compared with central differences of YOUR convnet_loss.
"""
import numpy as np
import pytest

from autograder.testing import CheckFailed, check_close, check_scalar, numerical_gradient

N, C, H, W, F, K = 3, 1, 4, 6, 2, 3


def _problem(seed=5):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, C, H, W))
    y = np.array([0, 2, 1])
    params = {"W1": 0.5 * rng.standard_normal((F, C, 3, 3)), "b1": 0.1 * rng.standard_normal(F),
              "W2": 0.5 * rng.standard_normal((F * (H // 2) * (W // 2), K)), "b2": 0.1 * rng.standard_normal(K)}
    return X, y, params


def _call(student, X, y, params, reg):
    """(loss, grads) of convnet_loss on copies of the inputs."""
    result = student.convnet_loss(X.copy(), y.copy(), {key: value.copy() for key, value in params.items()}, reg)
    if not isinstance(result, (tuple, list)) or len(result) != 2 or not isinstance(result[1], dict):
        raise CheckFailed("convnet_loss should return (loss, grads) with grads a dict")
    return check_scalar(result[0], "the loss of convnet_loss"), result[1]


@pytest.mark.parametrize("reg", [0.0, 0.2])
def test_zero_output_layer_gives_log_k(student, reg):
    X, y, params = _problem()
    params["W2"], params["b2"] = np.zeros_like(params["W2"]), np.zeros(K)
    loss, _ = _call(student, X, y, params, reg)
    expected = np.log(K) + 0.5 * reg * np.sum(params["W1"] ** 2)
    check_close(loss, expected, what=f"the loss of convnet_loss with W2 = 0, b2 = 0, reg={reg} "
                                     "(log K plus 0.5 * reg * sum(W1**2))", inputs=(X,))


def test_gradients(student):
    reg = 0.1
    X, y, params = _problem()
    _, grads = _call(student, X, y, params, reg)
    for name in ("W2", "b2", "W1", "b1"):
        if name not in grads:
            raise CheckFailed(f"grads has no key {name!r}")

        def loss_at(value, name=name):
            return _call(student, X, y, {**params, name: value}, reg)[0]

        # Central differences agree with the exact gradient to ~1e-9 here, inside the default 1e-7.
        check_close(grads[name], numerical_gradient(loss_at, params[name]), what=f"grads[{name!r}] (reg={reg})",
                    inputs=(X,))
