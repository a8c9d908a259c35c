# loses: update_rules, behaviour
# mistake: divides by the cache of the previous step and adds dw**2 only afterwards.
import numpy as np


def adagrad(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("epsilon", 1e-8)
    cache = config.get("cache")
    if cache is None:
        cache = np.zeros_like(w)
    next_w = w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"])
    cache = cache + dw ** 2
    config["cache"] = cache
    return next_w, config
