# loses: layernorm
# mistake: layernorm_backward's dx drops the term x_hat * mean(dx_hat * x_hat) over the features.
import numpy as np


def layernorm_backward(dout, cache):
    """Gradients of layer normalization from the upstream dout (N, D).

    Returns (dx, dgamma, dbeta) with shapes (N, D), (D,), (D,).
    """
    x_hat, gamma, inv_std = cache
    dbeta = dout.sum(axis=0)                         # gamma, beta are shared by the samples
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    dx = inv_std * (dx_hat - dx_hat.mean(axis=1, keepdims=True))
    return dx, dgamma, dbeta
