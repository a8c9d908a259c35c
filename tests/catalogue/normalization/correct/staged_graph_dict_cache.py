# correct: the backward passes walk the computational graph node by node (no simplified formula); caches are
# dicts of arrays and numbers; np.var / np.mean; running statistics updated in place when bn_param already holds
# them (rm *= momentum; rm += ...), new arrays otherwise; test mode only reads bn_param.
import numpy as np


def batchnorm_forward(x, gamma, beta, bn_param):
    if "mode" not in bn_param or bn_param["mode"] not in ("train", "test"):
        raise ValueError("bn_param['mode'] must be 'train' or 'test'")
    eps = bn_param["eps"] if "eps" in bn_param else 1e-5
    momentum = bn_param["momentum"] if "momentum" in bn_param else 0.9
    d = x.shape[1]
    if bn_param["mode"] == "train":
        mu = np.mean(x, axis=0)
        var = np.var(x, axis=0)
        if "running_mean" in bn_param:
            rm = bn_param["running_mean"]
            rm *= momentum
            rm += (1 - momentum) * mu
        else:
            bn_param["running_mean"] = (1 - momentum) * mu
        if "running_var" in bn_param:
            rv = bn_param["running_var"]
            rv *= momentum
            rv += (1 - momentum) * var
        else:
            bn_param["running_var"] = momentum * np.ones(d) + (1 - momentum) * var
    else:
        mu = bn_param["running_mean"] if "running_mean" in bn_param else np.zeros(d)
        var = bn_param["running_var"] if "running_var" in bn_param else np.ones(d)
    xc = x - mu
    std = np.sqrt(var + eps)
    x_hat = xc / std
    out = gamma * x_hat + beta
    cache = {"xc": xc, "std": std, "x_hat": x_hat, "gamma": gamma, "train": bn_param["mode"] == "train"}
    return out, cache


def batchnorm_backward(dout, cache):
    xc, std, x_hat, gamma = cache["xc"], cache["std"], cache["x_hat"], cache["gamma"]
    n = dout.shape[0]
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    dx_hat = dout * gamma
    if not cache["train"]:
        return dx_hat / std, dgamma, dbeta
    # x_hat = xc * (1 / std)
    dxc = dx_hat / std
    dinv = np.sum(dx_hat * xc, axis=0)
    # inv = 1 / std, std = sqrt(var + eps)
    dstd = -dinv / std ** 2
    dvar = 0.5 * dstd / std
    # var = mean(xc ** 2)
    dxc = dxc + 2.0 * xc * dvar / n
    # xc = x - mu, mu = mean(x)
    dmu = -np.sum(dxc, axis=0)
    dx = dxc + dmu / n
    return dx, dgamma, dbeta


def layernorm_forward(x, gamma, beta, ln_param):
    eps = 1e-5
    if ln_param and "eps" in ln_param:
        eps = ln_param["eps"]
    mu = np.mean(x, axis=1, keepdims=True)
    xc = x - mu
    var = np.var(x, axis=1, keepdims=True)
    std = np.sqrt(var + eps)
    x_hat = xc / std
    return gamma * x_hat + beta, {"xc": xc, "std": std, "x_hat": x_hat, "gamma": gamma}


def layernorm_backward(dout, cache):
    xc, std, x_hat, gamma = cache["xc"], cache["std"], cache["x_hat"], cache["gamma"]
    d = dout.shape[1]
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    dx_hat = dout * gamma
    dxc = dx_hat / std
    dstd = -np.sum(dx_hat * xc, axis=1, keepdims=True) / std ** 2
    dvar = 0.5 * dstd / std
    dxc = dxc + 2.0 * xc * dvar / d
    dmu = -np.sum(dxc, axis=1, keepdims=True)
    return dxc + dmu / d, dgamma, dbeta


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    n, c, h, w = x.shape
    rows = np.moveaxis(x, 1, -1).reshape(n * h * w, c)
    out, cache = batchnorm_forward(rows, gamma, beta, bn_param)
    return np.moveaxis(out.reshape(n, h, w, c), -1, 1), {"bn": cache, "shape": x.shape}


def spatial_batchnorm_backward(dout, cache):
    n, c, h, w = cache["shape"]
    rows = np.moveaxis(dout, 1, -1).reshape(n * h * w, c)
    drows, dgamma, dbeta = batchnorm_backward(rows, cache["bn"])
    return np.moveaxis(drows.reshape(n, h, w, c), -1, 1), dgamma, dbeta
