# correct: sgd, which has no state, hands back the config exactly as given (None stays None); the other rules
# copy the config with dict(config or {}) and fill it with a dict comprehension; Adam's bias corrections folded
# into one expression with sqrt(v_hat) written as sqrt(v) / sqrt(1 - beta2**t); schedules via numpy scalars.
import math

import numpy as np


def sgd(w, dw, config=None):
    lr = (config or {}).get("learning_rate", 1e-2)
    return w - lr * dw, config


def _with_defaults(config, defaults):
    config = dict(config or {})
    config.update({k: v for k, v in defaults.items() if k not in config})
    return config


def sgd_momentum(w, dw, config=None):
    c = _with_defaults(config, {"learning_rate": 1e-2, "momentum": 0.9})
    if "velocity" not in c:
        c["velocity"] = np.zeros_like(w)
    c["velocity"] = c["momentum"] * c["velocity"] - c["learning_rate"] * dw
    return w + c["velocity"], c


def adagrad(w, dw, config=None):
    c = _with_defaults(config, {"learning_rate": 1e-2, "epsilon": 1e-8})
    c["cache"] = np.add(c["cache"], np.square(dw)) if "cache" in c else np.square(dw)
    return np.subtract(w, c["learning_rate"] * dw / np.add(np.sqrt(c["cache"]), c["epsilon"])), c


def rmsprop(w, dw, config=None):
    c = _with_defaults(config, {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8})
    old = c["cache"] if "cache" in c else np.zeros_like(w)
    c["cache"] = c["decay_rate"] * old + (1 - c["decay_rate"]) * np.square(dw)
    return w - c["learning_rate"] * dw / (np.sqrt(c["cache"]) + c["epsilon"]), c


def adam(w, dw, config=None):
    c = _with_defaults(config, {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8})
    b1, b2 = c["beta1"], c["beta2"]
    c["t"] = c.get("t", 0) + 1
    c["m"] = b1 * c.get("m", np.zeros_like(w)) + (1 - b1) * dw
    c["v"] = b2 * c.get("v", np.zeros_like(w)) + (1 - b2) * dw * dw
    m_hat = c["m"] / (1 - b1 ** c["t"])
    root_v_hat = np.sqrt(c["v"]) / math.sqrt(1 - b2 ** c["t"])
    return w - c["learning_rate"] * m_hat / (root_v_hat + c["epsilon"]), c


def adamw(w, dw, config=None):
    c = _with_defaults(config, {"weight_decay": 1e-2, "learning_rate": 1e-3})
    decay = c["learning_rate"] * c["weight_decay"] * w
    next_w, c = adam(w, dw, c)
    return next_w - decay, c


def warmup_lr(t, lr_init, lr_base, warmup_steps):
    if t < 0:
        raise ValueError("t must not be negative")
    if warmup_steps == 0:
        return np.float64(lr_base)
    return np.float64(np.interp(t, [0, warmup_steps], [lr_init, lr_base]))


def step_decay_lr(epoch, lr, step_size, gamma):
    if epoch < 0:
        raise ValueError("epoch must not be negative")
    return lr * gamma ** divmod(epoch, step_size)[0]


def cosine_lr(t, lr_max, lr_min, total_steps):
    if t < 0:
        raise ValueError("t must not be negative")
    if total_steps == 0 or t > total_steps:
        return lr_min
    return float(lr_min + (lr_max - lr_min) * math.cos(math.pi * t / (2 * total_steps)) ** 2)
