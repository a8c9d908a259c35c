# loses: spatial_batchnorm
# mistake: spatial batch norm flattens each example to (N, C*H*W) and normalizes each (c, h, w) position over the batch only.
import numpy as np


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    N, C, H, W = x.shape
    g = np.repeat(gamma, H * W)
    b = np.repeat(beta, H * W)
    out, bn_cache = batchnorm_forward(x.reshape(N, -1), g, b, bn_param)
    return out.reshape(N, C, H, W), (bn_cache, x.shape)


def spatial_batchnorm_backward(dout, cache):
    bn_cache, (N, C, H, W) = cache
    drows, dg, db = batchnorm_backward(dout.reshape(N, -1), bn_cache)
    return drows.reshape(N, C, H, W), dg.reshape(C, H * W).sum(axis=1), db.reshape(C, H * W).sum(axis=1)
