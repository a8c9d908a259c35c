# correct: keeps float32 inputs in float32 (integers become float64), returns 0-d numpy losses, sigmoid as
# exp(min(z, 0)) / (1 + exp(-|z|)), softmax by subtracting the row max with keepdims on a copy.
import numpy as np


def _float(z):
    z = np.asarray(z)
    return z if np.issubdtype(z.dtype, np.floating) else z.astype(np.float64)


def sigmoid(z):
    z = _float(z)
    return np.exp(np.minimum(z, 0)) / (1 + np.exp(-np.abs(z)))


def sigmoid_grad(z):
    s = sigmoid(z)
    return s * (1 - s)


def tanh_grad(z):
    return 1 - np.tanh(_float(z)) ** 2


def relu(z):
    z = _float(z)
    return np.maximum(z, np.zeros((), z.dtype))


def relu_grad(z):
    z = _float(z)
    return (z > 0).astype(z.dtype)


def leaky_relu_grad(z, k=0.01):
    z = _float(z)
    out = np.full(z.shape, k, dtype=z.dtype)
    out[z > 0] = 1
    return out


def hardtanh_grad(z):
    z = _float(z)
    return ((z >= -1) & (z <= 1)).astype(z.dtype)


def softsign_grad(z):
    z = _float(z)
    return 1 / np.square(1 + np.abs(z))


def softmax(z):
    z = _float(z)
    shifted = z - z.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


def softmax_cross_entropy(logits, y):
    logits = _float(logits)
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(n), y].sum() / n                # a 0-d numpy value
    d = np.exp(log_probs)
    d[np.arange(n), y] -= 1
    return np.asarray(loss), d / n


def hinge_loss(s, s_c, margin=1.0):
    s, s_c = _float(s), _float(s_c)
    n = s.shape[0]
    slack = margin + s_c - s
    active = (slack > 0).astype(slack.dtype)
    return np.asarray((slack * active).mean()), -active / n, active / n


def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x, dtype=np.float64)
    for idx in np.ndindex(*x.shape):
        saved = x[idx].copy()
        x[idx] = saved + h
        plus = f(x)
        x[idx] = saved - h
        minus = f(x)
        x[idx] = saved
        grad[idx] = (plus - minus) / (2 * h)
    return grad


def _activate(a, activation):
    if activation not in ("sigmoid", "tanh", "relu"):
        raise ValueError(f"activation {activation!r} is not one of sigmoid, tanh, relu")
    if activation == "sigmoid":
        return sigmoid(a), sigmoid_grad(a)
    if activation == "tanh":
        return np.tanh(a), tanh_grad(a)
    return relu(a), relu_grad(a)


def mlp_forward(X, params, activation="sigmoid"):
    h, _ = _activate(X @ params["W1"] + params["b1"], activation)
    return h @ params["W2"] + params["b2"]


def mlp_loss_and_grads(X, y, params, activation="sigmoid", reg=0.0):
    a = X @ params["W1"] + params["b1"]                         # (N, H)
    h, dh = _activate(a, activation)
    loss, dscores = softmax_cross_entropy(h @ params["W2"] + params["b2"], y)
    penalty = 0.5 * reg * (np.vdot(params["W1"], params["W1"]) + np.vdot(params["W2"], params["W2"]))
    da = (dscores @ params["W2"].T) * dh
    grads = {
        "W1": X.T @ da + reg * params["W1"],
        "b1": da.sum(0),
        "W2": h.T @ dscores + reg * params["W2"],
        "b2": dscores.sum(0),
    }
    return loss + penalty, grads


def window_features(E, token_ids, k, pad_id):
    token_ids = np.asarray(token_ids)
    T = token_ids.size
    positions = np.arange(T)[:, None] + np.arange(-k, k + 1)[None, :]      # (T, 2k+1)
    inside = (positions >= 0) & (positions < T)
    ids = np.where(inside, token_ids[np.clip(positions, 0, max(T - 1, 0))], pad_id)
    return E[ids].reshape(T, -1)
