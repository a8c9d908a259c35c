# loses: spatial_batchnorm
# mistake: the feature maps are reshaped with x.reshape(-1, C) without moving C last first (and back the same way).
import numpy as np


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    """Batch normalization of feature maps x (N, C, H, W), per channel over N, H and W.

    gamma, beta: (C,). bn_param: as for batchnorm_forward, with running
    statistics of shape (C,). Returns (out, cache) with out (N, C, H, W).
    """
    N, C, H, W = x.shape
    rows = x.reshape(-1, C)
    out, bn_cache = batchnorm_forward(rows, gamma, beta, bn_param)
    out = out.reshape(N, C, H, W)
    return out, (bn_cache, x.shape)


def spatial_batchnorm_backward(dout, cache):
    """Gradients of spatial batch normalization from the upstream dout (N, C, H, W).

    Returns (dx, dgamma, dbeta) with shapes (N, C, H, W), (C,), (C,).
    """
    bn_cache, (N, C, H, W) = cache
    rows = dout.reshape(-1, C)
    drows, dgamma, dbeta = batchnorm_backward(rows, bn_cache)
    dx = drows.reshape(N, C, H, W)
    return dx, dgamma, dbeta
