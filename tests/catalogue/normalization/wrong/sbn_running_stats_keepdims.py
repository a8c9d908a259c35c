# loses: spatial_batchnorm
# mistake: spatial batch norm keeps its statistics with keepdims=True and stores running statistics of shape (1, C, 1, 1).
import numpy as np


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param.get("mode")
    if mode not in ("train", "test"):
        raise ValueError("mode must be 'train' or 'test'")
    N, C, H, W = x.shape
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    running_mean = bn_param.get("running_mean", np.zeros((1, C, 1, 1)))
    running_var = bn_param.get("running_var", np.ones((1, C, 1, 1)))
    if mode == "train":
        mu = x.mean(axis=(0, 2, 3), keepdims=True)
        var = x.var(axis=(0, 2, 3), keepdims=True)
        bn_param["running_mean"] = momentum * running_mean + (1 - momentum) * mu
        bn_param["running_var"] = momentum * running_var + (1 - momentum) * var
    else:
        mu, var = running_mean, running_var
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mu) * inv_std
    out = gamma.reshape(1, C, 1, 1) * x_hat + beta.reshape(1, C, 1, 1)
    rows_cache = (mode, x_hat.transpose(0, 2, 3, 1).reshape(-1, C), gamma, inv_std.reshape(C))
    return out, (rows_cache, x.shape)
