# correct: keeps the input's dtype (float32 in, float32 out, float32 running statistics by default), casts eps
# and momentum to it, uses the sum form of dx: (N dx_hat - sum(dx_hat) - x_hat sum(dx_hat x_hat)) / (N std).
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
