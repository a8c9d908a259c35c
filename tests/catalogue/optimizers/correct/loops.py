# correct: element by element with Python loops over np.ndindex (slow but right), state kept as float64 arrays,
# the schedules with if / elif chains and integer arithmetic for the step decay.
import math

import numpy as np


def _config(config, defaults):
    config = {} if config is None else config
    for key in defaults:
        if key not in config:
            config[key] = defaults[key]
    return config


def _state(config, key, w):
    if config.get(key) is None:
        config[key] = np.zeros(np.shape(w), dtype=np.float64)
    return np.array(config[key], dtype=np.float64)


def sgd(w, dw, config=None):
    config = _config(config, {"learning_rate": 1e-2})
    out = np.empty(np.shape(w))
    for i in np.ndindex(out.shape):
        out[i] = w[i] - config["learning_rate"] * dw[i]
    return out, config


def sgd_momentum(w, dw, config=None):
    config = _config(config, {"learning_rate": 1e-2, "momentum": 0.9})
    v = _state(config, "velocity", w)
    out = np.empty(np.shape(w))
    for i in np.ndindex(out.shape):
        v[i] = config["momentum"] * v[i] - config["learning_rate"] * dw[i]
        out[i] = w[i] + v[i]
    config["velocity"] = v
    return out, config


def adagrad(w, dw, config=None):
    config = _config(config, {"learning_rate": 1e-2, "epsilon": 1e-8})
    cache = _state(config, "cache", w)
    out = np.empty(np.shape(w))
    for i in np.ndindex(out.shape):
        cache[i] += dw[i] ** 2
        out[i] = w[i] - config["learning_rate"] * dw[i] / (math.sqrt(cache[i]) + config["epsilon"])
    config["cache"] = cache
    return out, config


def rmsprop(w, dw, config=None):
    config = _config(config, {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8})
    cache = _state(config, "cache", w)
    rho = config["decay_rate"]
    out = np.empty(np.shape(w))
    for i in np.ndindex(out.shape):
        cache[i] = rho * cache[i] + (1 - rho) * dw[i] ** 2
        out[i] = w[i] - config["learning_rate"] * dw[i] / (math.sqrt(cache[i]) + config["epsilon"])
    config["cache"] = cache
    return out, config


def _adam(w, dw, config, decay):
    m, v = _state(config, "m", w), _state(config, "v", w)
    t = config.get("t", 0) + 1
    b1, b2, lr, eps = config["beta1"], config["beta2"], config["learning_rate"], config["epsilon"]
    out = np.empty(np.shape(w))
    for i in np.ndindex(out.shape):
        m[i] = b1 * m[i] + (1 - b1) * dw[i]
        v[i] = b2 * v[i] + (1 - b2) * dw[i] * dw[i]
        m_hat = m[i] / (1 - b1 ** t)
        v_hat = v[i] / (1 - b2 ** t)
        out[i] = w[i] - lr * m_hat / (math.sqrt(v_hat) + eps) - lr * decay * w[i]
    config["m"], config["v"], config["t"] = m, v, t
    return out, config


def adam(w, dw, config=None):
    config = _config(config, {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8})
    return _adam(w, dw, config, 0.0)


def adamw(w, dw, config=None):
    config = _config(config, {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8,
                              "weight_decay": 1e-2})
    return _adam(w, dw, config, config["weight_decay"])


def warmup_lr(t, lr_init, lr_base, warmup_steps):
    if t < 0:
        raise ValueError("t must be >= 0")
    elif warmup_steps == 0:
        return lr_base
    elif t > warmup_steps:
        return lr_base
    else:
        return lr_init + (lr_base - lr_init) * t / warmup_steps


def step_decay_lr(epoch, lr, step_size, gamma):
    if epoch < 0:
        raise ValueError("epoch must be >= 0")
    k = 0
    while (k + 1) * step_size <= epoch:
        k += 1
    result = lr
    for _ in range(k):
        result *= gamma
    return result


def cosine_lr(t, lr_max, lr_min, total_steps):
    if t < 0:
        raise ValueError("t must be >= 0")
    elif total_steps == 0 or t > total_steps:
        return lr_min
    else:
        return lr_min + 0.5 * (lr_max - lr_min) * (1 + math.cos(math.pi * t / total_steps))
