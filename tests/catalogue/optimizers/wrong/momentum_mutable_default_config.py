# loses: update_rules
# mistake: config={} as the default argument: calls without a config share one dict and its velocity.
import numpy as np


def sgd_momentum(w, dw, config={}):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity")
    if v is None:
        v = np.zeros_like(w)
    v = config["momentum"] * v - config["learning_rate"] * dw
    next_w = w + v
    config["velocity"] = v
    return next_w, config
