# loses: adam
# mistake: the decay is added: next_w += lr * weight_decay * w.
def adamw(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("weight_decay", 1e-2)
    next_w, config = adam(w, dw, config)
    next_w = next_w + config["learning_rate"] * config["weight_decay"] * w
    return next_w, config
