# correct: explicit Python loops over features, samples and channels with math.sqrt; the cache is an instance
# of a small class (it stays in the student's process and comes back as a handle); spatial batch norm loops
# over channels instead of reshaping; running statistics as new lists turned into arrays.
import math

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
