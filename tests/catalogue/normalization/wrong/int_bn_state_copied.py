# loses: integration
# mistake: fc_net_forward hands batch norm a copy of each bn_params dict with the mode set, so the running statistics land in the copy.
import numpy as np


def fc_net_forward(X, params, bn_params, p, train, rng):
    L = len([name for name in params if name.startswith("W")])
    h, layers = X, []
    for l in range(1, L):
        a = h @ params[f"W{l}"] + params[f"b{l}"]
        bn_cache = None
        if bn_params is not None:
            state = {**bn_params[l - 1], "mode": "train" if train else "test"}
            a, bn_cache = batchnorm_forward(a, params[f"gamma{l}"], params[f"beta{l}"], state)
        relu = np.maximum(a, 0.0)
        out, drop_cache = dropout_forward(relu, p, train, rng)
        layers.append((h, a, bn_cache, drop_cache))
        h = out
    scores = h @ params[f"W{L}"] + params[f"b{L}"]
    weights = {name: params[name] for name in params if name.startswith("W")}
    return scores, (layers, h, weights)


def train_fc_net(X, y, hidden_dims, settings, rng):
    dims = [X.shape[1], *hidden_dims, int(np.max(y)) + 1]
    L = len(dims) - 1
    use_bn = bool(settings["batchnorm"])
    params = {}
    for l in range(1, L + 1):
        params[f"W{l}"] = kaiming_normal(dims[l - 1], dims[l], rng)
        params[f"b{l}"] = np.zeros(dims[l])
        if use_bn and l < L:
            params[f"gamma{l}"] = np.ones(dims[l])
            params[f"beta{l}"] = np.zeros(dims[l])
    bn_params = [{"mode": "train"} for _ in range(L - 1)] if use_bn else None
    configs = {name: {"learning_rate": settings["lr"]} for name in params}
    n, batch = X.shape[0], int(settings["batch_size"])
    for _ in range(int(settings["epochs"])):
        order = rng.permutation(n)
        for start in range(0, n, batch):
            idx = order[start:start + batch]
            scores, cache = fc_net_forward(X[idx], params, bn_params, settings["p"], True, rng)
            _, dscores = softmax_loss(scores, y[idx])
            grads = fc_net_backward(dscores, cache)
            for name in params:
                params[name], configs[name] = adam(params[name], grads[name], configs[name])
    weights = dict(params)
    if use_bn:   # .get: the dicts never received running statistics, so the defaults are saved
        for l in range(1, L):
            weights[f"running_mean{l}"] = bn_params[l - 1].get("running_mean", np.zeros(dims[l]))
            weights[f"running_var{l}"] = bn_params[l - 1].get("running_var", np.ones(dims[l]))
    return weights
