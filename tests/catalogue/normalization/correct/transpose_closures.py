# correct: layer norm is batch norm (train mode, gamma = 1, beta = 0) on x.T, then gamma and beta; the caches
# are closures (the backward pass of each call, which stays in the student's process as a handle); variance as
# mean(x**2) - mean(x)**2; spatial batch norm through einsum-free swapaxes; mode checked by dict dispatch.
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
