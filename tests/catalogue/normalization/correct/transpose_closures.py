# correct: layer norm is batch norm (train mode, gamma = 1, beta = 0) on x.T, then gamma and beta; the caches
# are closures (the backward pass of each call, which stays in the student's process as a handle); variance as
# mean(x**2) - mean(x)**2; spatial batch norm through einsum-free swapaxes; mode checked by dict dispatch.
# part 5 (variant A): layer records as dicts, W listed in the cache, rng.shuffle of an index array, Adam configs
# made on first use, ReLU as np.where; the given helpers copied from the notebook, as a .py submission must.
import math
import os

import numpy as np


def _normalize_columns(x, eps):
    """x_hat over axis 0 and a function mapping d x_hat to d x."""
    mu = x.mean(axis=0)
    var = np.maximum((x * x).mean(axis=0) - mu * mu, 0.0)
    inv = (var + eps) ** -0.5
    x_hat = (x - mu) * inv

    def back(dx_hat):
        return inv * (dx_hat - dx_hat.mean(axis=0) - x_hat * (dx_hat * x_hat).mean(axis=0))

    return x_hat, mu, var, back


def _train(x, bn_param, eps, momentum):
    x_hat, mu, var, back = _normalize_columns(x, eps)
    d = x.shape[1]
    bn_param["running_mean"] = momentum * bn_param.get("running_mean", np.zeros(d)) + (1 - momentum) * mu
    bn_param["running_var"] = momentum * bn_param.get("running_var", np.ones(d)) + (1 - momentum) * var
    return x_hat, back


def _test(x, bn_param, eps, momentum):
    d = x.shape[1]
    inv = 1.0 / np.sqrt(bn_param.get("running_var", np.ones(d)) + eps)
    return (x - bn_param.get("running_mean", np.zeros(d))) * inv, lambda dx_hat: dx_hat * inv


MODES = {"train": _train, "test": _test}


def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param.get("mode")
    if not isinstance(mode, str) or mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}")
    x_hat, back = MODES[mode](x, bn_param, bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.9))

    def backward(dout):
        return back(dout * gamma), (dout * x_hat).sum(axis=0), dout.sum(axis=0)

    return gamma * x_hat + beta, backward


def batchnorm_backward(dout, cache):
    return cache(dout)


def layernorm_forward(x, gamma, beta, ln_param):
    eps = 1e-5 if ln_param is None else ln_param.get("eps", 1e-5)
    n = x.shape[0]
    xt_hat, bn_back = batchnorm_forward(x.T, np.ones(n), np.zeros(n), {"mode": "train", "eps": eps})
    x_hat = xt_hat.T

    def backward(dout):
        dxt, _, _ = bn_back((dout * gamma).T)
        return dxt.T, (dout * x_hat).sum(axis=0), dout.sum(axis=0)

    return gamma * x_hat + beta, backward


def layernorm_backward(dout, cache):
    return cache(dout)


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    n, c, h, w = x.shape
    rows = x.swapaxes(1, 3).swapaxes(1, 2).reshape(-1, c)          # (N, H, W, C) -> rows
    out, bn_back = batchnorm_forward(rows, gamma, beta, bn_param)

    def backward(dout):
        drows, dgamma, dbeta = bn_back(dout.swapaxes(1, 3).swapaxes(1, 2).reshape(-1, c))
        return drows.reshape(n, h, w, c).swapaxes(1, 2).swapaxes(1, 3), dgamma, dbeta

    return out.reshape(n, h, w, c).swapaxes(1, 2).swapaxes(1, 3), backward


def spatial_batchnorm_backward(dout, cache):
    return cache(dout)


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


def _n_layers(params):
    return max(int(name[1:]) for name in params if name.startswith("W"))


def fc_net_forward(X, params, bn_params, p, train, rng):
    layers, h = [], X
    L = _n_layers(params)
    for l in range(1, L):
        pre = h @ params["W%d" % l] + params["b%d" % l]
        record = {"h": h, "bn": None}
        if bn_params is not None:
            state = bn_params[l - 1]
            state["mode"] = "train" if train else "test"
            pre, record["bn"] = batchnorm_forward(pre, params["gamma%d" % l], params["beta%d" % l], state)
        record["pre"] = pre
        h, record["mask"] = dropout_forward(np.where(pre > 0, pre, 0.0), p, train, rng)
        layers.append(record)
    scores = h @ params["W%d" % L] + params["b%d" % L]
    return scores, {"layers": layers, "last": h, "W": [params["W%d" % l] for l in range(1, L + 1)]}


def fc_net_backward(dscores, cache):
    layers, W = cache["layers"], cache["W"]
    L = len(W)
    grads = {"W%d" % L: cache["last"].T @ dscores, "b%d" % L: np.sum(dscores, axis=0)}
    upstream = dscores @ W[L - 1].T
    for l in reversed(range(1, L)):
        record = layers[l - 1]
        dpre = dropout_backward(upstream, record["mask"]) * (record["pre"] > 0).astype(float)
        if record["bn"] is not None:
            dpre, dgamma, dbeta = batchnorm_backward(dpre, record["bn"])
            grads["gamma%d" % l], grads["beta%d" % l] = dgamma, dbeta
        grads["W%d" % l] = record["h"].T @ dpre
        grads["b%d" % l] = np.sum(dpre, axis=0)
        upstream = dpre @ W[l - 1].T
    return grads


def train_fc_net(X, y, hidden_dims, settings, rng):
    sizes = [X.shape[1]] + list(hidden_dims) + [int(y.max()) + 1]
    L = len(sizes) - 1
    params = {"W%d" % l: kaiming_normal(sizes[l - 1], sizes[l], rng) for l in range(1, L + 1)}
    params.update({"b%d" % l: np.zeros(sizes[l]) for l in range(1, L + 1)})
    states = None
    if settings["batchnorm"]:
        for l in range(1, L):
            params["gamma%d" % l], params["beta%d" % l] = np.ones(sizes[l]), np.zeros(sizes[l])
        states = [dict() for _ in range(L - 1)]
    configs = {}
    index = np.arange(len(y))
    for epoch in range(settings["epochs"]):
        rng.shuffle(index)
        for start in range(0, len(y), settings["batch_size"]):
            batch = index[start:start + settings["batch_size"]]
            scores, cache = fc_net_forward(X[batch], params, states, settings["p"], True, rng)
            grads = fc_net_backward(softmax_loss(scores, y[batch])[1], cache)
            for name in sorted(params):
                config = configs.setdefault(name, {"learning_rate": settings["lr"]})
                params[name], configs[name] = adam(params[name], grads[name], config)
    weights = {name: value.copy() for name, value in params.items()}
    for l, state in enumerate(states or [], start=1):
        weights["running_mean%d" % l] = np.array(state["running_mean"])
        weights["running_var%d" % l] = np.array(state["running_var"])
    return weights


def fc_net_predict(X, weights):
    L = _n_layers(weights)
    params = {k: v for k, v in weights.items() if k[0] in "Wbg" or k.startswith("beta")}
    states = None
    if "gamma1" in weights:
        states = [{"mode": "test", "running_mean": weights["running_mean%d" % l],
                   "running_var": weights["running_var%d" % l]} for l in range(1, L)]
    return fc_net_forward(X, params, states, 0.0, False, None)[0]
