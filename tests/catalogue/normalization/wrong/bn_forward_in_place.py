# loses: batchnorm_forward, batchnorm_backward
# mistake: the batch mean is subtracted from x in place (xc = x; xc -= mu), changing the caller's array.
import numpy as np


def batchnorm_forward(x, gamma, beta, bn_param):
    """Batch normalization of x (N, D): one mean and variance per feature.

    gamma, beta: (D,) scale and shift. bn_param: dict with
      mode: "train" or "test" (required; missing or anything else: ValueError)
      eps: added to the variance inside the square root (default 1e-5)
      momentum: the weight of the OLD running value (default 0.9)
      running_mean: (D,) (default zeros); running_var: (D,) (default ones)
    train: normalize with the batch mean and the biased batch variance
      (divide by N); store the updated running_mean and running_var in
      bn_param: running = momentum * running + (1 - momentum) * batch value.
    test: normalize with running_mean and running_var; bn_param is not written.
    Returns (out, cache): out (N, D); cache holds what batchnorm_backward needs.
    """
    mode = bn_param.get("mode")
    if mode not in ("train", "test"):
        raise ValueError(f"bn_param['mode'] must be 'train' or 'test', got {mode!r}")
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    D = x.shape[1]
    running_mean = bn_param.get("running_mean", np.zeros(D))
    running_var = bn_param.get("running_var", np.ones(D))
    if mode == "train":
        mu = x.mean(axis=0)                          # (D,)
        xc = x
        xc -= mu
        var = (xc ** 2).mean(axis=0)                 # (D,), biased: divide by N
        inv_std = 1.0 / np.sqrt(var + eps)           # (D,)
        x_hat = xc * inv_std                         # (N, D)
        bn_param["running_mean"] = momentum * running_mean + (1.0 - momentum) * mu
        bn_param["running_var"] = momentum * running_var + (1.0 - momentum) * var
    else:
        inv_std = 1.0 / np.sqrt(running_var + eps)
        x_hat = (x - running_mean) * inv_std
    out = gamma * x_hat + beta
    cache = (mode, x_hat, gamma, inv_std)
    return out, cache
