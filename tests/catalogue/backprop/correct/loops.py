# correct: explicit Python loops everywhere (math.exp with a branch per sign, row-by-row softmax, per-example
# losses), numerical_gradient over x.flat restoring x by += h, -= 2h, += h (a few ulps of rounding are left),
# numpy scalar losses, window_features by index checks.
import math

import numpy as np


def _map(fn, z):
    z = np.asarray(z, dtype=np.float64)
    out = np.empty(z.shape)
    for idx in np.ndindex(z.shape):
        out[idx] = fn(float(z[idx]))
    return out


def _sig(v):
    if v >= 0:
        return 1.0 / (1.0 + math.exp(-v))
    e = math.exp(v)
    return e / (1.0 + e)


def sigmoid(z):
    return _map(_sig, z)


def sigmoid_grad(z):
    return _map(lambda v: _sig(v) * (1.0 - _sig(v)), z)


def tanh_grad(z):
    return _map(lambda v: 1.0 - math.tanh(v) ** 2, z)


def relu(z):
    return _map(lambda v: v if v > 0 else 0.0, z)


def relu_grad(z):
    return _map(lambda v: 1.0 if v > 0 else 0.0, z)


def leaky_relu_grad(z, k=0.01):
    return _map(lambda v: 1.0 if v > 0 else k, z)


def hardtanh_grad(z):
    return _map(lambda v: 1.0 if -1.0 <= v <= 1.0 else 0.0, z)


def softsign_grad(z):
    return _map(lambda v: 1.0 / (1.0 + abs(v)) ** 2, z)


def _softmax_row(row):
    m = max(row)
    e = [math.exp(v - m) for v in row]
    total = sum(e)
    return [v / total for v in e]


def softmax(z):
    z = np.asarray(z, dtype=np.float64)
    if z.ndim == 1:
        return np.array(_softmax_row(list(z)))
    return np.array([_softmax_row(list(row)) for row in z])


def softmax_cross_entropy(logits, y):
    logits = np.asarray(logits, dtype=np.float64)
    n, c = logits.shape
    total = 0.0
    d = np.zeros((n, c))
    for i in range(n):
        row = list(logits[i])
        m = max(row)
        lse = m + math.log(sum(math.exp(v - m) for v in row))
        total += lse - row[int(y[i])]
        for j in range(c):
            d[i, j] = math.exp(row[j] - lse) - (1.0 if j == int(y[i]) else 0.0)
    return np.float64(total / n), d / n


def hinge_loss(s, s_c, margin=1.0):
    n = len(s)
    loss = 0.0
    ds = np.zeros(n)
    ds_c = np.zeros(n)
    for i in range(n):
        slack = margin + s_c[i] - s[i]
        if slack > 0:
            loss += slack
            ds[i] = -1.0 / n
            ds_c[i] = 1.0 / n
    return np.float64(loss / n), ds, ds_c


def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    for i in range(x.size):
        x.flat[i] += h
        f_plus = f(x)
        x.flat[i] -= 2 * h
        f_minus = f(x)
        x.flat[i] += h
        grad.flat[i] = (f_plus - f_minus) / (2 * h)
    return grad


def _activation(a, activation):
    if activation == "sigmoid":
        s = sigmoid(a)
        return s, s * (1 - s)
    elif activation == "tanh":
        t = np.tanh(a)
        return t, 1 - t * t
    elif activation == "relu":
        return relu(a), relu_grad(a)
    else:
        raise ValueError("activation must be sigmoid, tanh or relu")


def mlp_forward(X, params, activation="sigmoid"):
    hidden, _ = _activation(np.dot(X, params["W1"]) + params["b1"], activation)
    return np.dot(hidden, params["W2"]) + params["b2"]


def mlp_loss_and_grads(X, y, params, activation="sigmoid", reg=0.0):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    n = X.shape[0]
    a = np.dot(X, W1) + b1
    hidden, dh = _activation(a, activation)
    loss, dscores = softmax_cross_entropy(np.dot(hidden, W2) + b2, y)
    loss += 0.5 * reg * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
    db2 = np.zeros(W2.shape[1])
    db1 = np.zeros(W1.shape[1])
    dW2 = reg * W2
    dW1 = reg * W1
    for i in range(n):
        da_i = np.dot(W2, dscores[i]) * dh[i]                  # (H,)
        dW2 = dW2 + np.outer(hidden[i], dscores[i])
        db2 = db2 + dscores[i]
        dW1 = dW1 + np.outer(X[i], da_i)
        db1 = db1 + da_i
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def window_features(E, token_ids, k, pad_id):
    T = len(token_ids)
    rows = []
    for t in range(T):
        row = []
        for j in range(t - k, t + k + 1):
            if 0 <= j < T:
                row.extend(E[token_ids[j]])
            else:
                row.extend(E[pad_id])
        rows.append(row)
    return np.array(rows, dtype=float).reshape(T, (2 * k + 1) * E.shape[1])
