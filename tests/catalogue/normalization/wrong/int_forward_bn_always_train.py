# loses: integration
# mistake: batch norm stays in train mode at evaluation: fc_net_forward sets every bn_param's mode to "train".
import numpy as np


def fc_net_forward(X, params, bn_params, p, train, rng):
    L = len([name for name in params if name.startswith("W")])
    h, layers = X, []
    for l in range(1, L):
        a = h @ params[f"W{l}"] + params[f"b{l}"]
        bn_cache = None
        if bn_params is not None:
            bn_params[l - 1]["mode"] = "train"
            a, bn_cache = batchnorm_forward(a, params[f"gamma{l}"], params[f"beta{l}"], bn_params[l - 1])
        relu = np.maximum(a, 0.0)
        out, drop_cache = dropout_forward(relu, p, train, rng)
        layers.append((h, a, bn_cache, drop_cache))
        h = out
    scores = h @ params[f"W{L}"] + params[f"b{L}"]
    weights = {name: params[name] for name in params if name.startswith("W")}
    return scores, (layers, h, weights)
