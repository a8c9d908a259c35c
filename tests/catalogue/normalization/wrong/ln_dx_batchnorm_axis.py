# loses: layernorm
# mistake: layernorm_backward copies the batch-norm dx formula, taking the means over the batch (axis 0).
import numpy as np


def layernorm_backward(dout, cache):
    """Gradients of layer normalization from the upstream dout (N, D).

    Returns (dx, dgamma, dbeta) with shapes (N, D), (D,), (D,).
    """
    x_hat, gamma, inv_std = cache
    dbeta = dout.sum(axis=0)                         # gamma, beta are shared by the samples
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    dx = inv_std * (dx_hat - dx_hat.mean(axis=0) - x_hat * (dx_hat * x_hat).mean(axis=0))
    return dx, dgamma, dbeta
