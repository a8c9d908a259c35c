# loses: layernorm
# mistake: layer norm runs batchnorm_forward on x.T but passes on ln_param's mode, so in test mode it uses running statistics.
import numpy as np


def layernorm_forward(x, gamma, beta, ln_param):
    ln_param = ln_param or {}
    N = x.shape[0]
    bn_param = {"mode": ln_param.get("mode", "train"), "eps": ln_param.get("eps", 1e-5)}
    xt_hat, bn_cache = batchnorm_forward(x.T, np.ones(N), np.zeros(N), bn_param)
    x_hat = xt_hat.T
    return gamma * x_hat + beta, (x_hat, gamma, bn_cache)


def layernorm_backward(dout, cache):
    x_hat, gamma, bn_cache = cache
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dxt, _, _ = batchnorm_backward((dout * gamma).T, bn_cache)
    return dxt.T, dgamma, dbeta
