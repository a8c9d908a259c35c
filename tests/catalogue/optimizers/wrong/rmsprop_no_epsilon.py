# loses: update_rules
# mistake: divides by sqrt(cache) without epsilon: a coordinate whose gradient is 0 gives 0 / 0.
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
    next_w = w - config["learning_rate"] * dw / np.sqrt(cache)
    config["cache"] = cache
    return next_w, config
