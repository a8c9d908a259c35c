# loses: mlp
# mistake: the backward pass evaluates the sigmoid's derivative at h1 = sigmoid(a1) instead of a1 (sigmoid_grad(h1)).
import numpy as np


def _activate(a, activation):
    if activation == "sigmoid":
        h = sigmoid(a)
        return h, sigmoid_grad(h)
    if activation == "tanh":
        h = np.tanh(a)
        return h, 1.0 - h ** 2
    if activation == "relu":
        return np.maximum(a, 0.0), (a > 0).astype(np.float64)
    raise ValueError(f"unknown activation {activation!r}; use one of {ACTIVATIONS}")
