# loses: spatial_batchnorm
# mistake: spatial_batchnorm_forward writes its result through out.reshape(N, C, H * W) of out = np.zeros_like(x); zeros_like keeps x's memory layout, so for Fortran-ordered feature maps the reshape is a copy and the output stays zero.
import numpy as np


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    N, C, H, W = x.shape
    rows = x.transpose(0, 2, 3, 1).reshape(-1, C)      # (N*H*W, C)
    out_rows, bn_cache = batchnorm_forward(rows, gamma, beta, bn_param)
    out = np.zeros_like(x)
    out.reshape(N, C, H * W)[...] = out_rows.reshape(N, H * W, C).transpose(0, 2, 1)   # a view of out, if C-ordered
    return out, (bn_cache, x.shape)
