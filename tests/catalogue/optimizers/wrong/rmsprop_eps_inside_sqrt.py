# loses: update_rules
# mistake: dw / sqrt(cache + eps) instead of the spec's dw / (sqrt(cache) + eps).
import numpy as np


def rmsprop(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    cache = config.get("cache")
    if cache is None:
        cache = np.zeros_like(w)
    rho = config["decay_rate"]
    cache = rho * cache + (1 - rho) * dw ** 2
    next_w = w - config["learning_rate"] * dw / (np.sqrt(cache + config["epsilon"]))
    config["cache"] = cache
    return next_w, config
