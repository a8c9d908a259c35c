# correct: explicit Python loops over features, samples and channels with math.sqrt; the cache is an instance
# of a small class (it stays in the student's process and comes back as a handle); spatial batch norm loops
# over channels instead of reshaping; running statistics as new lists turned into arrays.
# part 5 (variant B): one helper per hidden layer, caches as tuples, layers initialized from the output back (another
# random stream), bn_params with explicit momentum and eps; the given helpers copied from the notebook.
import math
import os

import numpy as np


class Cache:
    def __init__(self, x_hat, gamma, inv_std, train):
        self.x_hat = x_hat
        self.gamma = gamma
        self.inv_std = inv_std
        self.train = train


def _column_stats(col):
    n = len(col)
    mu = sum(float(v) for v in col) / n
    var = sum((float(v) - mu) ** 2 for v in col) / n
    return mu, var


def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param.get("mode", None)
    if mode != "train" and mode != "test":
        raise ValueError("unknown mode %r" % (mode,))
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    n, d = x.shape
    rm = bn_param.get("running_mean")
    rv = bn_param.get("running_var")
    rm = [0.0] * d if rm is None else [float(v) for v in rm]
    rv = [1.0] * d if rv is None else [float(v) for v in rv]
    x_hat = np.zeros((n, d))
    out = np.zeros((n, d))
    inv_std = np.zeros(d)
    new_rm, new_rv = [], []
    for j in range(d):
        if mode == "train":
            mu, var = _column_stats(x[:, j])
            new_rm.append(momentum * rm[j] + (1 - momentum) * mu)
            new_rv.append(momentum * rv[j] + (1 - momentum) * var)
        else:
            mu, var = rm[j], rv[j]
        inv_std[j] = 1.0 / math.sqrt(var + eps)
        for i in range(n):
            x_hat[i, j] = (float(x[i, j]) - mu) * inv_std[j]
            out[i, j] = float(gamma[j]) * x_hat[i, j] + float(beta[j])
    if mode == "train":
        bn_param["running_mean"] = np.array(new_rm)
        bn_param["running_var"] = np.array(new_rv)
    return out, Cache(x_hat, np.array(gamma, dtype=float), inv_std, mode == "train")


def batchnorm_backward(dout, cache):
    n, d = dout.shape
    dx = np.zeros((n, d))
    dgamma = np.zeros(d)
    dbeta = np.zeros(d)
    for j in range(d):
        dxh = [float(dout[i, j]) * cache.gamma[j] for i in range(n)]
        xh = [cache.x_hat[i, j] for i in range(n)]
        dbeta[j] = sum(float(dout[i, j]) for i in range(n))
        dgamma[j] = sum(float(dout[i, j]) * xh[i] for i in range(n))
        mean_dxh = sum(dxh) / n
        mean_dxh_xh = sum(a * b for a, b in zip(dxh, xh)) / n
        for i in range(n):
            if cache.train:
                dx[i, j] = cache.inv_std[j] * (dxh[i] - mean_dxh - xh[i] * mean_dxh_xh)
            else:
                dx[i, j] = cache.inv_std[j] * dxh[i]
    return dx, dgamma, dbeta


def layernorm_forward(x, gamma, beta, ln_param):
    eps = 1e-5 if not ln_param else ln_param.get("eps", 1e-5)
    n, d = x.shape
    x_hat = np.zeros((n, d))
    inv_std = np.zeros(n)
    for i in range(n):
        mu, var = _column_stats(x[i, :])
        inv_std[i] = 1.0 / math.sqrt(var + eps)
        for j in range(d):
            x_hat[i, j] = (float(x[i, j]) - mu) * inv_std[i]
    out = x_hat * np.asarray(gamma, dtype=float) + np.asarray(beta, dtype=float)
    return out, Cache(x_hat, np.array(gamma, dtype=float), inv_std, True)


def layernorm_backward(dout, cache):
    n, d = dout.shape
    dx = np.zeros((n, d))
    for i in range(n):
        dxh = [float(dout[i, j]) * cache.gamma[j] for j in range(d)]
        xh = [cache.x_hat[i, j] for j in range(d)]
        m1 = sum(dxh) / d
        m2 = sum(a * b for a, b in zip(dxh, xh)) / d
        for j in range(d):
            dx[i, j] = cache.inv_std[i] * (dxh[j] - m1 - xh[j] * m2)
    dgamma = np.array([sum(float(dout[i, j]) * cache.x_hat[i, j] for i in range(n)) for j in range(d)])
    dbeta = np.array([sum(float(dout[i, j]) for i in range(n)) for j in range(d)])
    return dx, dgamma, dbeta


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param.get("mode", None)
    if mode not in ("train", "test"):
        raise ValueError("unknown mode %r" % (mode,))
    n, c, h, w = x.shape
    out = np.zeros((n, c, h, w))
    caches = []
    new_stats = {"running_mean": [], "running_var": []}
    for k in range(c):
        column = x[:, k, :, :].reshape(-1, 1)
        param = {"mode": mode}
        for key in ("eps", "momentum"):
            if key in bn_param:
                param[key] = bn_param[key]
        for key in ("running_mean", "running_var"):
            if key in bn_param:
                param[key] = np.array([float(bn_param[key][k])])
        o, cache = batchnorm_forward(column, gamma[k:k + 1], beta[k:k + 1], param)
        out[:, k, :, :] = o.reshape(n, h, w)
        caches.append(cache)
        if mode == "train":
            for key in new_stats:
                new_stats[key].append(float(param[key][0]))
    if mode == "train":
        for key, values in new_stats.items():
            bn_param[key] = np.array(values)
    return out, Cache(caches, None, None, True)


def spatial_batchnorm_backward(dout, cache):
    n, c, h, w = dout.shape
    dx = np.zeros((n, c, h, w))
    dgamma = np.zeros(c)
    dbeta = np.zeros(c)
    for k in range(c):
        d, g, b = batchnorm_backward(dout[:, k, :, :].reshape(-1, 1), cache.x_hat[k])
        dx[:, k, :, :] = d.reshape(n, h, w)
        dgamma[k] = g[0]
        dbeta[k] = b[0]
    return dx, dgamma, dbeta


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
