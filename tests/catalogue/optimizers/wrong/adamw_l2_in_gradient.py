# loses: adam
# mistake: adds weight_decay * w to dw before the Adam step (L2 regularisation) instead of decaying w separately.
def adamw(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("weight_decay", 1e-2)
    next_w, config = adam(w, dw + config["weight_decay"] * w, config)
    return next_w, config
