# loses: spatial_batchnorm
# mistake: spatial batch norm computes the channel statistics itself and ignores the mode (always train, no ValueError).
import numpy as np


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    N, C, H, W = x.shape
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    mu = x.mean(axis=(0, 2, 3))
    var = x.var(axis=(0, 2, 3))
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mu.reshape(1, C, 1, 1)) * inv_std.reshape(1, C, 1, 1)
    bn_param["running_mean"] = momentum * bn_param.get("running_mean", np.zeros(C)) + (1 - momentum) * mu
    bn_param["running_var"] = momentum * bn_param.get("running_var", np.ones(C)) + (1 - momentum) * var
    out = gamma.reshape(1, C, 1, 1) * x_hat + beta.reshape(1, C, 1, 1)
    rows_cache = ("train", x_hat.transpose(0, 2, 3, 1).reshape(-1, C), gamma, inv_std)
    return out, (rows_cache, x.shape)
