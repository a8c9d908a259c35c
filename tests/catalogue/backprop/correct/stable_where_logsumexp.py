# correct: sigmoid via np.where on exp(-|z|), softmax and cross-entropy via log-sum-exp, numerical_gradient on
# copies of x (x never touched), the activation table as a dict, window_features via np.pad and a sliding view.
import numpy as np


def sigmoid(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))                      # never overflows
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_grad(z):
    e = np.exp(-np.abs(np.asarray(z, dtype=float)))
    return e / (1.0 + e) ** 2                   # symmetric in z


def tanh_grad(z):
    return 1.0 / np.cosh(np.asarray(z, dtype=float)) ** 2


def relu(z):
    z = np.asarray(z, dtype=float)
    return z * (z > 0)


def relu_grad(z):
    return np.heaviside(np.asarray(z, dtype=float), 0.0)


def leaky_relu_grad(z, k=0.01):
    z = np.asarray(z)
    return np.where(z > 0, 1.0, float(k)) * np.ones(z.shape)


def hardtanh_grad(z):
    return (np.abs(np.asarray(z, dtype=float)) <= 1).astype(float)


def softsign_grad(z):
    return (1.0 + np.abs(np.asarray(z, dtype=float))) ** -2


def _logsumexp(z):
    m = np.max(z, axis=-1, keepdims=True)
    return m + np.log(np.sum(np.exp(z - m), axis=-1, keepdims=True))


def softmax(z):
    z = np.asarray(z, dtype=float)
    return np.exp(z - _logsumexp(z))


def softmax_cross_entropy(logits, y):
    logits = np.asarray(logits, dtype=float)
    n, c = logits.shape
    log_p = logits - _logsumexp(logits)                     # (N, C)
    onehot = np.eye(c)[np.asarray(y)]
    loss = -np.sum(onehot * log_p) / n
    return loss, (np.exp(log_p) - onehot) / n


def hinge_loss(s, s_c, margin=1.0):
    slack = margin + np.asarray(s_c, dtype=float) - np.asarray(s, dtype=float)
    n = slack.shape[0]
    mask = slack > 0
    return np.maximum(slack, 0.0).mean(), np.where(mask, -1.0 / n, 0.0), np.where(mask, 1.0 / n, 0.0)


def numerical_gradient(f, x, h=1e-5):
    base = np.array(x, dtype=float)
    grad = np.zeros(base.size)
    for i in range(base.size):
        step = np.zeros(base.size)
        step[i] = h
        up = f(base + step.reshape(base.shape))
        down = f(base - step.reshape(base.shape))
        grad[i] = (up - down) / (2 * h)
    return grad.reshape(base.shape)


ACTS = {
    "sigmoid": (sigmoid, sigmoid_grad),
    "tanh": (np.tanh, tanh_grad),
    "relu": (relu, relu_grad),
}


def _lookup(activation):
    try:
        return ACTS[activation]
    except (KeyError, TypeError):
        raise ValueError(f"unknown activation {activation}") from None


def mlp_forward(X, params, activation="sigmoid"):
    act, _ = _lookup(activation)
    return act(X @ params["W1"] + params["b1"]) @ params["W2"] + params["b2"]


def mlp_loss_and_grads(X, y, params, activation="sigmoid", reg=0.0):
    act, dact = _lookup(activation)
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    a = X @ W1 + b1
    hid = act(a)
    loss, ds = softmax_cross_entropy(hid @ W2 + b2, y)
    loss = loss + 0.5 * reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
    da = ds @ W2.T * dact(a)
    return loss, {"W1": X.T @ da + reg * W1, "b1": np.sum(da, axis=0),
                  "W2": hid.T @ ds + reg * W2, "b2": np.sum(ds, axis=0)}


def window_features(E, token_ids, k, pad_id):
    ids = np.asarray(token_ids)
    padded = np.pad(ids, (k, k), constant_values=pad_id)
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * k + 1)  # (T, 2k+1)
    return E[windows].reshape(len(ids), -1)
