# loses: batchnorm_backward, spatial_batchnorm
# mistake: batchnorm_forward keeps what the backward pass needs in a module-level variable and returns no cache; right while each backward pass follows its own forward pass, wrong as soon as two layers are in flight (layer 1's backward pass gets layer 2's values).
import numpy as np

_LAST = {}


def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param.get("mode")
    if mode not in ("train", "test"):
        raise ValueError(f"bn_param['mode'] must be 'train' or 'test', got {mode!r}")
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    D = x.shape[1]
    running_mean = bn_param.get("running_mean", np.zeros(D))
    running_var = bn_param.get("running_var", np.ones(D))
    if mode == "train":
        mu = x.mean(axis=0)
        var = x.var(axis=0)
        inv_std = 1.0 / np.sqrt(var + eps)
        x_hat = (x - mu) * inv_std
        bn_param["running_mean"] = momentum * running_mean + (1.0 - momentum) * mu
        bn_param["running_var"] = momentum * running_var + (1.0 - momentum) * var
    else:
        inv_std = 1.0 / np.sqrt(running_var + eps)
        x_hat = (x - running_mean) * inv_std
    _LAST.update(mode=mode, x_hat=x_hat, gamma=gamma, inv_std=inv_std)   # "saves passing the cache around"
    return gamma * x_hat + beta, None


def batchnorm_backward(dout, cache):
    x_hat, gamma, inv_std = _LAST["x_hat"], _LAST["gamma"], _LAST["inv_std"]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    if _LAST["mode"] == "test":
        return dx_hat * inv_std, dgamma, dbeta
    dx = inv_std * (dx_hat - dx_hat.mean(axis=0) - x_hat * (dx_hat * x_hat).mean(axis=0))
    return dx, dgamma, dbeta
