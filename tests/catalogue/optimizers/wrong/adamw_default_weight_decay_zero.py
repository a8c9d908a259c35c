# loses: adam
# mistake: the default weight_decay of adamw is 0 instead of 1e-2.
def adamw(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("weight_decay", 0.0)
    next_w, config = adam(w, dw, config)
    next_w = next_w - config["learning_rate"] * config["weight_decay"] * w
    return next_w, config
