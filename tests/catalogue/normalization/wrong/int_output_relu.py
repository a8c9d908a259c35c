# loses: integration
# mistake: the output layer gets a ReLU too (every layer handled alike), so negative scores are cut to 0.
import numpy as np


def fc_net_forward(X, params, bn_params, p, train, rng):
    L = len([name for name in params if name.startswith("W")])
    h, layers = X, []
    for l in range(1, L + 1):
        a = h @ params[f"W{l}"] + params[f"b{l}"]
        bn_cache, drop_cache = None, None
        if bn_params is not None and l < L:
            bn_params[l - 1]["mode"] = "train" if train else "test"
            a, bn_cache = batchnorm_forward(a, params[f"gamma{l}"], params[f"beta{l}"], bn_params[l - 1])
        out = np.maximum(a, 0.0)
        if l < L:
            out, drop_cache = dropout_forward(out, p, train, rng)
        layers.append((h, a, bn_cache, drop_cache))
        h = out
    weights = {name: params[name] for name in params if name.startswith("W")}
    return h, (layers, weights)


def fc_net_backward(dscores, cache):
    layers, weights = cache
    grads, dh = {}, dscores
    for l in range(len(layers), 0, -1):
        h_in, a, bn_cache, drop_cache = layers[l - 1]
        da = dropout_backward(dh, drop_cache) * (a > 0)
        if bn_cache is not None:
            da, grads[f"gamma{l}"], grads[f"beta{l}"] = batchnorm_backward(da, bn_cache)
        grads[f"W{l}"] = h_in.T @ da
        grads[f"b{l}"] = da.sum(axis=0)
        dh = da @ weights[f"W{l}"].T
    return grads
