# correct: keeps the input's dtype (float32 in, float32 out, float32 running statistics by default), casts eps
# and momentum to it, uses the sum form of dx: (N dx_hat - sum(dx_hat) - x_hat sum(dx_hat x_hat)) / (N std).
# part 5 (variant B): one helper per hidden layer, caches as tuples, layers initialized from the output back (another
# random stream), bn_params with explicit momentum and eps; the given helpers copied from the notebook.
import math
import os

import numpy as np


def _check_mode(bn_param):
    mode = bn_param.get("mode")
    if not isinstance(mode, str) or mode not in {"train", "test"}:
        raise ValueError("mode must be 'train' or 'test'")
    return mode


def batchnorm_forward(x, gamma, beta, bn_param):
    mode = _check_mode(bn_param)
    dt = x.dtype
    eps = dt.type(bn_param.get("eps", 1e-5))
    m = dt.type(bn_param.get("momentum", 0.9))
    d = x.shape[1]
    if mode == "train":
        mu = x.sum(axis=0, dtype=dt) / dt.type(x.shape[0])
        var = ((x - mu) ** 2).sum(axis=0) / dt.type(x.shape[0])
        rm = bn_param.get("running_mean", np.zeros(d, dtype=dt))
        rv = bn_param.get("running_var", np.ones(d, dtype=dt))
        bn_param["running_mean"] = (m * rm + (1 - m) * mu).astype(dt)
        bn_param["running_var"] = (m * rv + (1 - m) * var).astype(dt)
    else:
        mu = bn_param.get("running_mean", np.zeros(d, dtype=dt)).astype(dt)
        var = bn_param.get("running_var", np.ones(d, dtype=dt)).astype(dt)
    std = np.sqrt(var + eps)
    x_hat = ((x - mu) / std).astype(dt)
    out = (gamma.astype(dt) * x_hat + beta.astype(dt)).astype(dt)
    return out, (x_hat, gamma.astype(dt), std.astype(dt), mode)


def batchnorm_backward(dout, cache):
    x_hat, gamma, std, mode = cache
    n = dout.shape[0]
    dx_hat = dout * gamma
    if mode == "train":
        dx = (n * dx_hat - dx_hat.sum(axis=0) - x_hat * (dx_hat * x_hat).sum(axis=0)) / (n * std)
    else:
        dx = dx_hat / std
    return dx.astype(dout.dtype), (dout * x_hat).sum(axis=0), dout.sum(axis=0)


def layernorm_forward(x, gamma, beta, ln_param):
    dt = x.dtype
    eps = dt.type((ln_param or {}).get("eps", 1e-5))
    d = x.shape[1]
    mu = x.sum(axis=1, keepdims=True) / dt.type(d)
    var = ((x - mu) ** 2).sum(axis=1, keepdims=True) / dt.type(d)
    std = np.sqrt(var + eps)
    x_hat = (x - mu) / std
    return (gamma * x_hat + beta).astype(dt), (x_hat, gamma, std)


def layernorm_backward(dout, cache):
    x_hat, gamma, std = cache
    d = dout.shape[1]
    dx_hat = dout * gamma
    dx = (d * dx_hat - dx_hat.sum(axis=1, keepdims=True)
          - x_hat * (dx_hat * x_hat).sum(axis=1, keepdims=True)) / (d * std)
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    n, c, h, w = x.shape
    rows = np.ascontiguousarray(x.transpose(0, 2, 3, 1)).reshape(n * h * w, c)
    out, cache = batchnorm_forward(rows, gamma, beta, bn_param)
    return np.ascontiguousarray(out.reshape(n, h, w, c).transpose(0, 3, 1, 2)), (cache, n, c, h, w)


def spatial_batchnorm_backward(dout, cache):
    bn_cache, n, c, h, w = cache
    rows = dout.transpose(0, 2, 3, 1).reshape(n * h * w, c)
    dx, dgamma, dbeta = batchnorm_backward(rows, bn_cache)
    return dx.reshape(n, h, w, c).transpose(0, 3, 1, 2), dgamma, dbeta


# Given helpers for part 5 (compact versions of earlier assignments' functions). Run this cell; do not change it.

def kaiming_normal(fan_in, fan_out, rng):
    """W of shape (fan_in, fan_out), i.i.d. Normal(0, 2 / fan_in): for layers followed by a ReLU."""
    return rng.normal(0.0, math.sqrt(2.0 / fan_in), size=(fan_in, fan_out))


def dropout_forward(x, p, train, rng):
    """Inverted dropout: each element is dropped with probability p and the kept ones scaled by 1 / (1 - p).
    Returns (out, cache); the identity (cache None) when train is False or p == 0."""
    if not train or p == 0:
        return x, None
    scaled_mask = (rng.random(x.shape) >= p) / (1.0 - p)            # 0 or 1 / (1 - p), shape of x
    return x * scaled_mask, scaled_mask


def dropout_backward(dout, cache):
    """The gradient through the mask and scale of the forward pass (the identity without one)."""
    return dout if cache is None else dout * cache


def softmax_loss(scores, y):
    """(loss, dscores): the mean cross-entropy of softmax(scores) (N, C) for labels y (N,), and its gradient."""
    shifted = scores - scores.max(axis=1, keepdims=True)            # the largest score is 0: exp cannot overflow
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = scores.shape[0]
    loss = -log_probs[np.arange(n), y].mean()
    dscores = np.exp(log_probs)
    dscores[np.arange(n), y] -= 1.0
    return float(loss), dscores / n


def adam(w, dw, config=None):
    """One Adam step for ONE parameter w, with bias correction. config holds learning_rate (default 1e-3),
    beta1, beta2, epsilon and the state m, v, t of this parameter; pass the returned config back next time."""
    config = {} if config is None else config
    lr = config.setdefault("learning_rate", 1e-3)
    beta1, beta2 = config.setdefault("beta1", 0.9), config.setdefault("beta2", 0.999)
    eps = config.setdefault("epsilon", 1e-8)
    t = config.get("t", 0) + 1
    m = beta1 * config.get("m", np.zeros_like(w)) + (1 - beta1) * dw
    v = beta2 * config.get("v", np.zeros_like(w)) + (1 - beta2) * dw ** 2
    config.update(m=m, v=v, t=t)
    m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), config


SPIRAL_FILES = ("data/spirals_train.npz", "spirals_train.npz", "../../assignments/normalization/data/spirals_train.npz")


def load_spirals(candidates=SPIRAL_FILES):
    """(X, y) of spirals_train.npz, from the first of the candidate paths that exists."""
    for path in candidates:
        if os.path.exists(path):
            with np.load(path, allow_pickle=False) as data:
                return data["X"], data["y"]
    raise FileNotFoundError(f"spirals_train.npz not found; looked for {list(candidates)}")


def _hidden_forward(h, W, b, gamma, beta, state, p, train, rng):
    affine = h @ W + b
    if state is None:
        normed, bn_cache = affine, None
    else:
        state["mode"] = "train" if train else "test"
        normed, bn_cache = batchnorm_forward(affine, gamma, beta, state)
    active = normed * (normed > 0)
    out, mask = dropout_forward(active, p, train, rng)
    return out, (h, W, normed, bn_cache, mask)


def _hidden_backward(dout, cache):
    h, W, normed, bn_cache, mask = cache
    d = dropout_backward(dout, mask)
    d = np.where(normed > 0, d, 0.0)
    dgamma = dbeta = None
    if bn_cache is not None:
        d, dgamma, dbeta = batchnorm_backward(d, bn_cache)
    return d @ W.T, h.T @ d, d.sum(axis=0), dgamma, dbeta


def fc_net_forward(X, params, bn_params, p, train, rng):
    count = sum(1 for name in params if name[0] == "W")
    caches, h = [], X
    for l in range(1, count):
        state = None if bn_params is None else bn_params[l - 1]
        h, c = _hidden_forward(h, params[f"W{l}"], params[f"b{l}"], params.get(f"gamma{l}"), params.get(f"beta{l}"),
                               state, p, train, rng)
        caches.append(c)
    caches.append((h, params[f"W{count}"]))
    return h.dot(params[f"W{count}"]) + params[f"b{count}"], caches


def fc_net_backward(dscores, cache):
    h, W = cache[-1]
    count = len(cache)
    grads = {f"W{count}": h.T.dot(dscores), f"b{count}": dscores.sum(axis=0)}
    d = dscores.dot(W.T)
    for l in range(count - 1, 0, -1):
        d, grads[f"W{l}"], grads[f"b{l}"], dgamma, dbeta = _hidden_backward(d, cache[l - 1])
        if dgamma is not None:
            grads[f"gamma{l}"], grads[f"beta{l}"] = dgamma, dbeta
    return grads


def train_fc_net(X, y, hidden_dims, settings, rng):
    n_classes = int(np.max(y)) + 1
    sizes = [X.shape[1], *hidden_dims, n_classes]
    L = len(sizes) - 1
    params = {}
    for l in range(L, 0, -1):                          # the output layer is drawn first
        params[f"W{l}"] = kaiming_normal(sizes[l - 1], sizes[l], rng)
        params[f"b{l}"] = np.zeros(sizes[l])
    use_bn = settings["batchnorm"]
    if use_bn:
        for l in range(1, L):
            params[f"gamma{l}"] = np.ones(sizes[l])
            params[f"beta{l}"] = np.zeros(sizes[l])
    states = [{"mode": "train", "momentum": 0.9, "eps": 1e-5} for _ in range(L - 1)] if use_bn else None
    adam_state = {name: None for name in params}
    n, size = len(X), settings["batch_size"]
    for _ in range(settings["epochs"]):
        perm = rng.permutation(n)
        batches = [perm[i:i + size] for i in range(0, n, size)]
        for batch in batches:
            scores, cache = fc_net_forward(X[batch], params, states, settings["p"], True, rng)
            loss, dscores = softmax_loss(scores, y[batch])
            grads = fc_net_backward(dscores, cache)
            for name, value in list(params.items()):
                config = adam_state[name] or {"learning_rate": settings["lr"]}
                params[name], adam_state[name] = adam(value, grads[name], config)
    weights = dict(params)
    if use_bn:
        weights.update({f"running_mean{l}": states[l - 1]["running_mean"] for l in range(1, L)})
        weights.update({f"running_var{l}": states[l - 1]["running_var"] for l in range(1, L)})
    return weights


def fc_net_predict(X, weights):
    layers = sum(1 for name in weights if name[0] == "W")
    states = None
    if f"gamma1" in weights:
        states = []
        for l in range(1, layers):
            states.append({"running_mean": weights[f"running_mean{l}"].copy(),
                           "running_var": weights[f"running_var{l}"].copy()})
    scores, _ = fc_net_forward(X, weights, states, 0.0, False, None)
    return scores
