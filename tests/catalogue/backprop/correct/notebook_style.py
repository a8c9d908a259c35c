# correct: exported from a notebook: top-level prints, sanity checks and a training loop that the grader skips,
# helper functions and constants, a cache dict, numerical_gradient through x.flat with saved values, window
# features built with a deque-free list of padded ids, ValueError checked up front.
import math
from math import exp  # noqa: F401

import numpy as np

np.random.seed(0)
print("backprop assignment, student version")

PAD_DEFAULT = 0
EPS = 1e-12


def sigmoid(z):
    z = np.array(z, dtype=np.float64)           # a copy: the input is never touched
    neg = z < 0
    z[neg] = np.exp(z[neg]) / (1 + np.exp(z[neg]))
    z[~neg] = 1 / (1 + np.exp(-z[~neg]))
    return z


def sigmoid_grad(z):
    sz = sigmoid(z)
    return sz - sz ** 2


def tanh_grad(z):
    th = np.tanh(np.array(z, dtype=np.float64))
    return (1 - th) * (1 + th)


def relu(z):
    out = np.array(z, dtype=np.float64)
    out[out < 0] = 0
    return out


def relu_grad(z):
    out = np.zeros(np.shape(z))
    out[np.asarray(z) > 0] = 1
    return out


def leaky_relu_grad(z, k=0.01):
    out = np.ones(np.shape(z))
    out[np.asarray(z) <= 0] = k
    return out


def hardtanh_grad(z):
    z = np.asarray(z)
    out = np.zeros(z.shape)
    out[(z >= -1) & (z <= 1)] = 1
    return out


def softsign_grad(z):
    d = 1 + np.abs(np.asarray(z, dtype=np.float64))
    return 1 / (d * d)


def softmax(z):
    z = np.array(z, dtype=np.float64)
    z -= np.max(z, axis=-1, keepdims=True)     # in place on our own copy
    np.exp(z, out=z)
    z /= np.sum(z, axis=-1, keepdims=True)
    return z


def softmax_cross_entropy(logits, y):
    N = logits.shape[0]
    z = logits - np.max(logits, axis=1, keepdims=True)
    log_norm = np.log(np.sum(np.exp(z), axis=1))
    correct = z[np.arange(N), y]
    loss = float(np.mean(log_norm - correct))
    dlogits = softmax(logits)
    dlogits[np.arange(N), y] -= 1
    dlogits /= N
    return loss, dlogits


def hinge_loss(s, s_c, margin=1.0):
    N = len(s)
    violation = margin - s + s_c
    active = violation > 0
    loss = np.sum(violation[active]) / N
    ds = -active.astype(float) / N
    return loss, ds, -ds


def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    for i in range(x.size):
        saved = x.flat[i]
        x.flat[i] = saved + h
        fp = f(x)
        x.flat[i] = saved - h
        fm = f(x)
        x.flat[i] = saved
        grad.flat[i] = (fp - fm) / (2 * h)
    return grad


ACTIVATIONS = ["sigmoid", "tanh", "relu"]


def mlp_forward(X, params, activation="sigmoid"):
    if activation not in ACTIVATIONS:
        raise ValueError("unknown activation: " + str(activation))
    a1 = X @ params["W1"] + params["b1"]
    if activation == "sigmoid":
        h1 = sigmoid(a1)
    elif activation == "tanh":
        h1 = np.tanh(a1)
    else:
        h1 = relu(a1)
    return h1 @ params["W2"] + params["b2"]


def mlp_loss_and_grads(X, y, params, activation="sigmoid", reg=0.0):
    if activation not in ACTIVATIONS:
        raise ValueError("unknown activation: " + str(activation))
    cache = {}
    cache["a1"] = X @ params["W1"] + params["b1"]
    if activation == "sigmoid":
        cache["h1"] = sigmoid(cache["a1"])
        local = sigmoid_grad(cache["a1"])
    elif activation == "tanh":
        cache["h1"] = np.tanh(cache["a1"])
        local = tanh_grad(cache["a1"])
    else:
        cache["h1"] = relu(cache["a1"])
        local = relu_grad(cache["a1"])
    scores = cache["h1"] @ params["W2"] + params["b2"]
    data_loss, dscores = softmax_cross_entropy(scores, y)
    reg_loss = 0.5 * reg * (np.sum(np.square(params["W1"])) + np.sum(np.square(params["W2"])))
    grads = {"W2": cache["h1"].T @ dscores, "b2": np.sum(dscores, axis=0, keepdims=True).reshape(-1)}
    dh1 = dscores @ params["W2"].T
    da1 = dh1 * local
    grads["W1"] = X.T @ da1
    grads["b1"] = np.sum(da1, axis=0)
    grads["W1"] += reg * params["W1"]
    grads["W2"] += reg * params["W2"]
    return data_loss + reg_loss, grads


def window_features(E, token_ids, k, pad_id=PAD_DEFAULT):
    ids = [pad_id] * k + [int(t) for t in token_ids] + [pad_id] * k
    X = []
    for t in range(len(token_ids)):
        X.append(np.concatenate([E[i] for i in ids[t:t + 2 * k + 1]]))
    return np.array(X).reshape(len(token_ids), (2 * k + 1) * E.shape[1])


# ---- checks and experiments from the notebook (skipped by the grader) ----
print(sigmoid(np.array([-1.0, 0.0, 1.0])))
assert abs(sigmoid(np.array(0.0)) - 0.5) < 1e-12
for activation in ACTIVATIONS:
    print(activation, mlp_forward(np.ones((2, 3)), {"W1": np.ones((3, 4)), "b1": np.zeros(4),
                                                    "W2": np.ones((4, 2)), "b2": np.zeros(2)}, activation))
demo = np.random.randn(3, 4)
if math.isfinite(float(softmax(demo).sum())):
    print("softmax rows sum to", softmax(demo).sum(axis=1))
