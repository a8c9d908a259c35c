# loses: mlp
# mistake: mlp_forward and mlp_loss_and_grads default to activation='relu' instead of 'sigmoid'.
import numpy as np


def mlp_forward(X, params, activation="relu"):
    a1 = X @ params["W1"] + params["b1"]            # (N, H)
    h1, _ = _activate(a1, activation)
    return h1 @ params["W2"] + params["b2"]


def mlp_loss_and_grads(X, y, params, activation="relu", reg=0.0):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    a1 = X @ W1 + b1                                # (N, H)
    h1, dh1_da1 = _activate(a1, activation)
    scores = h1 @ W2 + b2                           # (N, C)
    data_loss, dscores = softmax_cross_entropy(scores, y)
    loss = data_loss + 0.5 * reg * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
    grads = {
        "W2": h1.T @ dscores + reg * W2,            # (H, C)
        "b2": dscores.sum(axis=0),                  # (C,)
    }
    da1 = (dscores @ W2.T) * dh1_da1                # (N, H)
    grads["W1"] = X.T @ da1 + reg * W1              # (D, H)
    grads["b1"] = da1.sum(axis=0)                   # (H,)
    return float(loss), grads
