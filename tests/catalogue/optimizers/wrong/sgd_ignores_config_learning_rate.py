# loses: update_rules, behaviour
# mistake: sgd always uses the default learning rate 1e-2, whatever the config says.
def sgd(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    next_w = w - 1e-2 * dw
    return next_w, config
