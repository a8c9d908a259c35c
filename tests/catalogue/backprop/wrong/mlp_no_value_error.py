# loses: mlp
# mistake: any activation other than sigmoid or tanh silently falls back to relu instead of raising ValueError.
import numpy as np


def _activate(a, activation):
    if activation == "sigmoid":
        h = sigmoid(a)
        return h, h * (1.0 - h)
    if activation == "tanh":
        h = np.tanh(a)
        return h, 1.0 - h ** 2
    return np.maximum(a, 0.0), (a > 0).astype(np.float64)
