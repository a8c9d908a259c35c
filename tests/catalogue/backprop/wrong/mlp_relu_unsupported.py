# loses: mlp
# mistake: the network supports only sigmoid and tanh, raising ValueError for relu.
import numpy as np


def _activate(a, activation):
    if activation == "sigmoid":
        h = sigmoid(a)
        return h, h * (1.0 - h)
    if activation == "tanh":
        h = np.tanh(a)
        return h, 1.0 - h ** 2
    raise ValueError(f"unknown activation {activation!r}; use one of {ACTIVATIONS}")
