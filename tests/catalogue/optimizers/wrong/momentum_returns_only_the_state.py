# loses: update_rules, behaviour
# mistake: returns a new dict holding only the velocity, so the caller's hyperparameters are lost after one step.
import numpy as np


def sgd_momentum(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity")
    if v is None:
        v = np.zeros_like(w)
    v = config["momentum"] * v - config["learning_rate"] * dw
    next_w = w + v
    return next_w, {"velocity": v}
