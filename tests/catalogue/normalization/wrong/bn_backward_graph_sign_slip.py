# loses: batchnorm_backward, spatial_batchnorm
# mistake: the staged backward pass on the computational graph adds the variance branch with the wrong sign.
import numpy as np


def batchnorm_backward(dout, cache):
    """Gradients of batch normalization (train mode) from the upstream dout (N, D).

    cache: the second value returned by batchnorm_forward.
    Returns (dx, dgamma, dbeta) with shapes (N, D), (D,), (D,).
    """
    mode, x_hat, gamma, inv_std = cache
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    if mode == "test":                               # the statistics are constants there
        return dx_hat * inv_std, dgamma, dbeta
    N = dout.shape[0]
    xc = x_hat / inv_std
    dvar = np.sum(dx_hat * xc, axis=0) * -0.5 * inv_std ** 3
    dxc = dx_hat * inv_std - dvar * 2.0 * xc / N
    dmu = -np.sum(dxc, axis=0)
    dx = dxc + dmu / N
    return dx, dgamma, dbeta
