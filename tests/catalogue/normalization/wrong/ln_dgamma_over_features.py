# loses: layernorm
# mistake: layernorm_backward sums dgamma and dbeta over the features (axis 1) instead of the batch.
import numpy as np


def layernorm_backward(dout, cache):
    """Gradients of layer normalization from the upstream dout (N, D).

    Returns (dx, dgamma, dbeta) with shapes (N, D), (D,), (D,).
    """
    x_hat, gamma, inv_std = cache
    dbeta = dout.sum(axis=1)
    dgamma = (dout * x_hat).sum(axis=1)
    dx_hat = dout * gamma
    dx = inv_std * (dx_hat - dx_hat.mean(axis=1, keepdims=True)
                    - x_hat * (dx_hat * x_hat).mean(axis=1, keepdims=True))
    return dx, dgamma, dbeta
