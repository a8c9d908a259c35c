# loses: batchnorm_backward
# mistake: dx_hat is made by multiplying dout by gamma in place, changing the caller's dout.
import numpy as np


def batchnorm_backward(dout, cache):
    """Gradients of batch normalization (train mode) from the upstream dout (N, D).

    cache: the second value returned by batchnorm_forward.
    Returns (dx, dgamma, dbeta) with shapes (N, D), (D,), (D,).
    """
    mode, x_hat, gamma, inv_std = cache
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout
    dx_hat *= gamma
    if mode == "test":                               # the statistics are constants there
        return dx_hat * inv_std, dgamma, dbeta
    dx = inv_std * (dx_hat - dx_hat.mean(axis=0) - x_hat * (dx_hat * x_hat).mean(axis=0))
    return dx, dgamma, dbeta
