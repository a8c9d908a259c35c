# loses: mlp
# mistake: mlp_forward forgets the hidden bias b1.
import numpy as np


def mlp_forward(X, params, activation="sigmoid"):
    a1 = X @ params["W1"]                           # (N, H)
    h1, _ = _activate(a1, activation)
    return h1 @ params["W2"] + params["b2"]
