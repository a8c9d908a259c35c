# loses: update_rules
# mistake: the notes' form dw / sqrt(cache + eps) instead of the spec's dw / (sqrt(cache) + eps).
import numpy as np


def adagrad(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("epsilon", 1e-8)
    cache = config.get("cache")
    if cache is None:
        cache = np.zeros_like(w)
    cache = cache + dw ** 2
    next_w = w - config["learning_rate"] * dw / (np.sqrt(cache + config["epsilon"]))
    config["cache"] = cache
    return next_w, config
