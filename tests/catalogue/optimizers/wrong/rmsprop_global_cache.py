# loses: update_rules
# mistake: keeps the cache in a module-level variable instead of the config, so all parameters share it.
import numpy as np


_CACHE = None


def rmsprop(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    global _CACHE
    cache = _CACHE if _CACHE is not None and np.shape(_CACHE) == np.shape(w) else np.zeros_like(w)
    rho = config["decay_rate"]
    cache = rho * cache + (1 - rho) * dw ** 2
    next_w = w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"])
    _CACHE = config["cache"] = cache
    return next_w, config
