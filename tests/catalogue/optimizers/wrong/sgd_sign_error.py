# loses: update_rules, behaviour
# mistake: sgd steps along the gradient (w + lr * dw) instead of against it.
def sgd(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    next_w = w + config["learning_rate"] * dw
    return next_w, config
