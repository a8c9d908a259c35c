# loses: integration
# mistake: train_fc_net makes new batch-norm state dicts at every step, so the running statistics never accumulate.
import numpy as np


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
    configs = {name: {"learning_rate": settings["lr"]} for name in params}
    n, batch = X.shape[0], int(settings["batch_size"])
    bn_params = None
    for _ in range(int(settings["epochs"])):
        order = rng.permutation(n)
        for start in range(0, n, batch):
            idx = order[start:start + batch]
            bn_params = [{"mode": "train"} for _ in range(L - 1)] if use_bn else None
            scores, cache = fc_net_forward(X[idx], params, bn_params, settings["p"], True, rng)
            _, dscores = softmax_loss(scores, y[idx])
            grads = fc_net_backward(dscores, cache)
            for name in params:
                params[name], configs[name] = adam(params[name], grads[name], configs[name])
    weights = dict(params)
    if use_bn:
        for l in range(1, L):
            weights[f"running_mean{l}"] = bn_params[l - 1]["running_mean"]
            weights[f"running_var{l}"] = bn_params[l - 1]["running_var"]
    return weights
