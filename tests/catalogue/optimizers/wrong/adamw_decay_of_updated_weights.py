# loses: adam
# mistake: decays the weights after the Adam step (next_w) instead of the weights given (w).
def adamw(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("weight_decay", 1e-2)
    next_w, config = adam(w, dw, config)
    next_w = next_w - config["learning_rate"] * config["weight_decay"] * next_w
    return next_w, config
