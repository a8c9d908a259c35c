# loses: update_rules
# mistake: the defaults are filled in only when config is None, so a config with some keys raises KeyError.
import numpy as np


def sgd_momentum(w, dw, config=None):
    if config is None:
        config = {"learning_rate": 1e-2, "momentum": 0.9}
    v = config.get("velocity")
    if v is None:
        v = np.zeros_like(w)
    v = config["momentum"] * v - config["learning_rate"] * dw
    next_w = w + v
    config["velocity"] = v
    return next_w, config
