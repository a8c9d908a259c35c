# loses: integration
# mistake: the ReLU's mask in the backward pass comes from the affine output before batch norm, not from the ReLU's input.
import numpy as np


def fc_net_forward(X, params, bn_params, p, train, rng):
    L = len([name for name in params if name.startswith("W")])
    h, layers = X, []
    for l in range(1, L):
        affine = h @ params[f"W{l}"] + params[f"b{l}"]
        a, bn_cache = affine, None
        if bn_params is not None:
            bn_params[l - 1]["mode"] = "train" if train else "test"
            a, bn_cache = batchnorm_forward(affine, params[f"gamma{l}"], params[f"beta{l}"], bn_params[l - 1])
        relu = np.maximum(a, 0.0)
        out, drop_cache = dropout_forward(relu, p, train, rng)
        layers.append((h, affine, bn_cache, drop_cache))
        h = out
    scores = h @ params[f"W{L}"] + params[f"b{L}"]
    weights = {name: params[name] for name in params if name.startswith("W")}
    return scores, (layers, h, weights)
