# correct: every state array is updated in place inside the config (the caller's arrays change too, which the
# spec allows), created with np.zeros(w.shape) in float64, defaults merged from a table with a loop.
import math

import numpy as np

_DEFAULTS = {
    "sgd": {"learning_rate": 1e-2},
    "sgd_momentum": {"learning_rate": 1e-2, "momentum": 0.9},
    "adagrad": {"learning_rate": 1e-2, "epsilon": 1e-8},
    "rmsprop": {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8},
    "adam": {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8},
    "adamw": {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8, "weight_decay": 1e-2},
}


def _prepare(name, w, config, state_keys):
    if config is None:
        config = {}
    for key, value in _DEFAULTS[name].items():
        if key not in config:
            config[key] = value
    for key in state_keys:
        if key not in config:
            config[key] = np.zeros(np.shape(w))
    return config


def sgd(w, dw, config=None):
    config = _prepare("sgd", w, config, ())
    return w - config["learning_rate"] * dw, config


def sgd_momentum(w, dw, config=None):
    config = _prepare("sgd_momentum", w, config, ("velocity",))
    v = config["velocity"]
    v *= config["momentum"]
    v -= config["learning_rate"] * dw
    return w + v, config


def adagrad(w, dw, config=None):
    config = _prepare("adagrad", w, config, ("cache",))
    cache = config["cache"]
    cache += dw * dw
    return w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"]), config


def rmsprop(w, dw, config=None):
    config = _prepare("rmsprop", w, config, ("cache",))
    cache = config["cache"]
    rho = config["decay_rate"]
    cache *= rho
    cache += (1.0 - rho) * np.square(dw)
    return w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"]), config


def _adam_step(w, dw, config):
    m, v = config["m"], config["v"]
    b1, b2 = config["beta1"], config["beta2"]
    config["t"] = config.get("t", 0) + 1
    t = config["t"]
    m *= b1
    m += (1 - b1) * dw
    v *= b2
    v += (1 - b2) * np.square(dw)
    m_hat = m / (1 - b1 ** t)
    v_hat = v / (1 - b2 ** t)
    return config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"])


def adam(w, dw, config=None):
    config = _prepare("adam", w, config, ("m", "v"))
    return w - _adam_step(w, dw, config), config


def adamw(w, dw, config=None):
    config = _prepare("adamw", w, config, ("m", "v"))
    step = _adam_step(w, dw, config)
    return w - step - config["learning_rate"] * config["weight_decay"] * w, config


def warmup_lr(t, lr_init, lr_base, warmup_steps):
    if t < 0:
        raise ValueError("t < 0")
    if warmup_steps > 0 and t <= warmup_steps:
        return lr_init + (lr_base - lr_init) * (t / warmup_steps)
    return lr_base


def step_decay_lr(epoch, lr, step_size, gamma):
    if epoch < 0:
        raise ValueError("negative epoch")
    return lr * gamma ** (epoch // step_size)


def cosine_lr(t, lr_max, lr_min, total_steps):
    if t < 0:
        raise ValueError("negative step")
    if total_steps <= 0:
        return lr_min
    progress = min(t, total_steps) / total_steps
    return lr_min + (lr_max - lr_min) * (1.0 + math.cos(math.pi * progress)) / 2.0
