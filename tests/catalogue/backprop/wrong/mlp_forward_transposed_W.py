# loses: mlp
# mistake: mlp_forward multiplies by the transposed weights (X @ W1.T, h @ W2.T), as for (D_out, D_in) weights.
import numpy as np


def mlp_forward(X, params, activation="sigmoid"):
    a1 = X @ params["W1"].T + params["b1"]
    h1, _ = _activate(a1, activation)
    return h1 @ params["W2"].T + params["b2"]
