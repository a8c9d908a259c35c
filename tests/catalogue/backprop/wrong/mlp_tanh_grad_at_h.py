# loses: mlp
# mistake: the backward pass evaluates tanh's derivative at h1 = tanh(a1) instead of a1 (tanh_grad(h1)).
import numpy as np


def _activate(a, activation):
    if activation == "sigmoid":
        h = sigmoid(a)
        return h, h * (1.0 - h)
    if activation == "tanh":
        h = np.tanh(a)
        return h, tanh_grad(h)
    if activation == "relu":
        return np.maximum(a, 0.0), (a > 0).astype(np.float64)
    raise ValueError(f"unknown activation {activation!r}; use one of {ACTIVATIONS}")
