# loses: spatial_batchnorm
# mistake: the normalized rows are reshaped straight to (N, C, H, W) without transposing back from (N, H, W, C).
import numpy as np


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    """Batch normalization of feature maps x (N, C, H, W), per channel over N, H and W.

    gamma, beta: (C,). bn_param: as for batchnorm_forward, with running
    statistics of shape (C,). Returns (out, cache) with out (N, C, H, W).
    """
    N, C, H, W = x.shape
    rows = x.transpose(0, 2, 3, 1).reshape(-1, C)    # (N*H*W, C): one row per pixel
    out, bn_cache = batchnorm_forward(rows, gamma, beta, bn_param)
    out = out.reshape(N, C, H, W)
    return out, (bn_cache, x.shape)
