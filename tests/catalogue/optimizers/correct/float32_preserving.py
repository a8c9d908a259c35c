# correct: keeps w's dtype: state arrays in w's dtype, hyperparameters cast to it, next_w of w's dtype; the
# schedules compute with numpy and return 0-d numpy values (np.float64).
import numpy as np


def _get(config, key, default):
    return default if config is None or key not in config else config[key]


def _cfg(config):
    return {} if config is None else config


def sgd(w, dw, config=None):
    config = _cfg(config)
    lr = w.dtype.type(_get(config, "learning_rate", 1e-2))
    config["learning_rate"] = _get(config, "learning_rate", 1e-2)
    return (w - lr * dw).astype(w.dtype), config


def sgd_momentum(w, dw, config=None):
    config = _cfg(config)
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    dtype = w.dtype.type
    v = config.get("velocity", np.zeros(w.shape, dtype=w.dtype))
    v = (dtype(config["momentum"]) * v - dtype(config["learning_rate"]) * dw).astype(w.dtype)
    config["velocity"] = v
    return (w + v).astype(w.dtype), config


def _scaled_step(w, dw, cache, lr, eps):
    dtype = w.dtype.type
    return (dtype(lr) * dw / (np.sqrt(cache) + dtype(eps))).astype(w.dtype)


def adagrad(w, dw, config=None):
    config = _cfg(config)
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("epsilon", 1e-8)
    cache = config.get("cache", np.zeros(w.shape, dtype=w.dtype)) + dw * dw
    config["cache"] = cache.astype(w.dtype)
    return w - _scaled_step(w, dw, config["cache"], config["learning_rate"], config["epsilon"]), config


def rmsprop(w, dw, config=None):
    config = _cfg(config)
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    rho = w.dtype.type(config["decay_rate"])
    cache = config.get("cache", np.zeros(w.shape, dtype=w.dtype))
    config["cache"] = (rho * cache + (w.dtype.type(1) - rho) * dw * dw).astype(w.dtype)
    return w - _scaled_step(w, dw, config["cache"], config["learning_rate"], config["epsilon"]), config


def adam(w, dw, config=None):
    config = _cfg(config)
    for key, value in (("learning_rate", 1e-3), ("beta1", 0.9), ("beta2", 0.999), ("epsilon", 1e-8)):
        config.setdefault(key, value)
    dtype = w.dtype.type
    b1, b2 = config["beta1"], config["beta2"]
    t = int(config.get("t", 0)) + 1
    m = config.get("m", np.zeros(w.shape, dtype=w.dtype))
    v = config.get("v", np.zeros(w.shape, dtype=w.dtype))
    m = (dtype(b1) * m + dtype(1 - b1) * dw).astype(w.dtype)
    v = (dtype(b2) * v + dtype(1 - b2) * dw * dw).astype(w.dtype)
    m_hat = m / dtype(1 - b1 ** t)
    v_hat = v / dtype(1 - b2 ** t)
    config.update(m=m, v=v, t=t)
    return (w - dtype(config["learning_rate"]) * m_hat / (np.sqrt(v_hat) + dtype(config["epsilon"]))).astype(w.dtype), config


def adamw(w, dw, config=None):
    config = _cfg(config)
    config.setdefault("weight_decay", 1e-2)
    next_w, config = adam(w, dw, config)
    decay = w.dtype.type(config["learning_rate"] * config["weight_decay"])
    return (next_w - decay * w).astype(w.dtype), config


def warmup_lr(t, lr_init, lr_base, warmup_steps):
    if t < 0:
        raise ValueError("the step must be non-negative")
    if warmup_steps == 0:
        return np.float64(lr_base)
    fraction = np.clip(np.float64(t) / warmup_steps, 0.0, 1.0)
    return lr_init + (lr_base - lr_init) * fraction


def step_decay_lr(epoch, lr, step_size, gamma):
    if epoch < 0:
        raise ValueError("the epoch must be non-negative")
    return np.float64(lr) * np.float64(gamma) ** np.floor(np.float64(epoch) / step_size)


def cosine_lr(t, lr_max, lr_min, total_steps):
    if t < 0:
        raise ValueError("the step must be non-negative")
    if total_steps == 0:
        return np.float64(lr_min)
    angle = np.pi * np.minimum(np.float64(t), total_steps) / total_steps
    return lr_min + 0.5 * (lr_max - lr_min) * (1.0 + np.cos(angle))
