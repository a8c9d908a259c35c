# loses: spatial_batchnorm
# mistake: spatial_batchnorm_backward reshapes the rows of dx straight to (N, C, H, W) without transposing back.
import numpy as np


def spatial_batchnorm_backward(dout, cache):
    """Gradients of spatial batch normalization from the upstream dout (N, C, H, W).

    Returns (dx, dgamma, dbeta) with shapes (N, C, H, W), (C,), (C,).
    """
    bn_cache, (N, C, H, W) = cache
    rows = dout.transpose(0, 2, 3, 1).reshape(-1, C)
    drows, dgamma, dbeta = batchnorm_backward(rows, bn_cache)
    dx = drows.reshape(N, C, H, W)
    return dx, dgamma, dbeta
