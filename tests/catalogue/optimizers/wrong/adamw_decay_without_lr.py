# loses: adam
# mistake: the decay is not multiplied by the learning rate: next_w -= weight_decay * w.
def adamw(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("weight_decay", 1e-2)
    next_w, config = adam(w, dw, config)
    next_w = next_w - config["weight_decay"] * w
    return next_w, config
