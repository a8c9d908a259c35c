# correct: sigmoid through tanh (0.5 * (1 + tanh(z / 2))), derivatives written through the outputs, softsign'
# as (1 - |softsign(z)|)**2, softmax with apply_along_axis, cross-entropy with np.logaddexp.reduce, the notes'
# nditer gradient checker (evaluates f(x) once more than needed), window_features by shifted slices.
import numpy as np


def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=np.float64)))


def sigmoid_grad(z):
    t = np.tanh(0.5 * np.asarray(z, dtype=np.float64))
    return 0.25 * (1.0 - t * t)


def tanh_grad(z):
    s = sigmoid(2.0 * np.asarray(z, dtype=np.float64))
    return 4.0 * s * (1.0 - s)


def relu(z):
    return np.where(np.asarray(z) > 0, z, 0.0)


def relu_grad(z):
    return np.sign(np.maximum(np.asarray(z, dtype=np.float64), 0.0))


def leaky_relu_grad(z, k=0.01):
    return k + (1.0 - k) * (np.asarray(z) > 0)


def hardtanh_grad(z):
    z = np.asarray(z)
    return np.logical_and(-1 <= z, z <= 1) * 1.0


def softsign_grad(z):
    z = np.asarray(z, dtype=np.float64)
    return (1.0 - np.abs(z / (1.0 + np.abs(z)))) ** 2


def _softmax_1d(v):
    e = np.exp(v - v.max())
    return e / e.sum()


def softmax(z):
    return np.apply_along_axis(_softmax_1d, -1, np.asarray(z, dtype=np.float64))


def softmax_cross_entropy(logits, y):
    logits = np.asarray(logits, dtype=np.float64)
    n = len(y)
    rows = np.arange(n)
    lse = np.logaddexp.reduce(logits, axis=1)                 # (N,)
    loss = np.mean(lse - logits[rows, y])
    d = softmax(logits)
    d[rows, y] -= 1
    return loss, d / n


def hinge_loss(s, s_c, margin=1.0):
    s, s_c = np.asarray(s, dtype=np.float64), np.asarray(s_c, dtype=np.float64)
    n = s.size
    slack = s_c - s + margin
    on = np.where(slack > 0, 1.0 / n, 0.0)
    return float(np.clip(slack, 0, None).sum() / n), -on, on


def numerical_gradient(f, x, h=1e-5):
    fx = f(x)  # noqa: F841  (the notes' version evaluates f at x first)
    grad = np.zeros(x.shape)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        old_value = x[ix]
        x[ix] = old_value + h
        fxh_left = f(x)
        x[ix] = old_value - h
        fxh_right = f(x)
        x[ix] = old_value
        grad[ix] = (fxh_left - fxh_right) / (2 * h)
        it.iternext()
    return grad


def _act(a, activation):
    if activation == "sigmoid":
        h = sigmoid(a)
        return h, h * (1 - h)
    if activation == "tanh":
        h = np.tanh(a)
        return h, 1 - h ** 2
    if activation == "relu":
        h = np.maximum(a, 0)
        return h, (h > 0) * 1.0
    raise ValueError(activation)


def mlp_forward(X, params, activation="sigmoid"):
    h, _ = _act(X.dot(params["W1"]) + params["b1"], activation)
    return h.dot(params["W2"]) + params["b2"]


def mlp_loss_and_grads(X, y, params, activation="sigmoid", reg=0.0):
    n = X.shape[0]
    h, dh = _act(X.dot(params["W1"]) + params["b1"], activation)
    scores = h.dot(params["W2"]) + params["b2"]
    probs = softmax(scores)
    onehot = np.zeros_like(probs)
    onehot[np.arange(n), y] = 1
    shifted = scores - scores.max(axis=1, keepdims=True)
    data_loss = -np.mean(np.sum(onehot * (shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))), axis=1))
    reg_loss = 0.5 * reg * sum(np.sum(params[k] ** 2) for k in ("W1", "W2"))
    dscores = (probs - onehot) / n
    grads = {}
    grads["W2"] = h.T.dot(dscores) + reg * params["W2"]
    grads["b2"] = np.ones(n).dot(dscores)
    da = dscores.dot(params["W2"].T) * dh
    grads["W1"] = X.T.dot(da) + reg * params["W1"]
    grads["b1"] = np.ones(n).dot(da)
    return data_loss + reg_loss, grads


def window_features(E, token_ids, k, pad_id):
    ids = np.asarray(token_ids, dtype=np.int64)
    T = ids.shape[0]
    padded = np.concatenate([[pad_id] * k, ids, [pad_id] * k]).astype(np.int64)
    return np.hstack([E[padded[j:j + T]] for j in range(2 * k + 1)])
