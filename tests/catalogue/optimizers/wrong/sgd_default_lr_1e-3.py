# loses: update_rules
# mistake: the default learning_rate of sgd is 1e-3 instead of 1e-2.
def sgd(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-3)
    next_w = w - config["learning_rate"] * dw
    return next_w, config
