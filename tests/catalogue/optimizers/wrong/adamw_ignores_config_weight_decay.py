# loses: adam
# mistake: always decays with the default 1e-2, whatever the config says.
def adamw(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("weight_decay", 1e-2)
    next_w, config = adam(w, dw, config)
    next_w = next_w - config["learning_rate"] * 1e-2 * w
    return next_w, config
