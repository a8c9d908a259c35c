# loses: update_rules
# mistake: next_w = w + v is taken with the velocity of the previous step, before v is updated.
import numpy as np


def sgd_momentum(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity")
    if v is None:
        v = np.zeros_like(w)
    next_w = w + v
    v = config["momentum"] * v - config["learning_rate"] * dw
    config["velocity"] = v
    return next_w, config
