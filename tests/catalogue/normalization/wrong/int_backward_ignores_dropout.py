# loses: integration
# mistake: fc_net_backward skips dropout_backward: the gradient reaches the dropped units, unscaled.
import numpy as np


def fc_net_backward(dscores, cache):
    layers, h, weights = cache
    L = len(layers) + 1
    grads = {f"W{L}": h.T @ dscores, f"b{L}": dscores.sum(axis=0)}
    dh = dscores @ weights[f"W{L}"].T
    for l in range(L - 1, 0, -1):
        h_in, a, bn_cache, drop_cache = layers[l - 1]
        da = dh * (a > 0)
        if bn_cache is not None:
            da, grads[f"gamma{l}"], grads[f"beta{l}"] = batchnorm_backward(da, bn_cache)
        grads[f"W{l}"] = h_in.T @ da
        grads[f"b{l}"] = da.sum(axis=0)
        dh = da @ weights[f"W{l}"].T
    return grads
