# loses: batchnorm_backward
# mistake: batchnorm_backward saves memory by working in the cache's x_hat in place; the first backward pass is right, a second one with the same cache (two upstream gradients, a gradient check) reads an x_hat that is no longer x_hat.


def batchnorm_backward(dout, cache):
    mode, x_hat, gamma, inv_std = cache
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    if mode == "test":
        return dx_hat * inv_std, dgamma, dbeta
    x_hat *= (dx_hat * x_hat).mean(axis=0)          # reuse the buffer: x_hat is not needed after this
    dx = inv_std * (dx_hat - dx_hat.mean(axis=0) - x_hat)
    return dx, dgamma, dbeta
