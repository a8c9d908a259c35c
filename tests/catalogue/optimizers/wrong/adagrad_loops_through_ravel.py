# loses: update_rules
# mistake: adagrad loops over w.reshape(-1) of next_w = np.copy(w) and of the cache np.zeros_like(w), writing through them; np.copy and zeros_like keep w's memory layout, so for a transposed w the reshapes are copies and neither the weights nor the cache change.
import math

import numpy as np


def adagrad(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("epsilon", 1e-8)
    lr, eps = config["learning_rate"], config["epsilon"]
    cache = config.setdefault("cache", np.zeros_like(w))
    next_w = np.copy(w)
    flat_w, flat_dw, flat_cache = next_w.reshape(-1), dw.reshape(-1), cache.reshape(-1)   # "views"
    for i in range(flat_w.size):
        flat_cache[i] += flat_dw[i] ** 2
        flat_w[i] -= lr * flat_dw[i] / (math.sqrt(flat_cache[i]) + eps)
    return next_w, config
