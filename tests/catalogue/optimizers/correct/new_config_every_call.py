# correct: functional style: the caller's config is never touched; every call returns a new dict holding the
# defaults, the caller's keys and the new state; AdamW in PyTorch's order (shrink w first, then the Adam step).
import math

import numpy as np


def _merged(config, **defaults):
    merged = dict(defaults)
    merged.update(config or {})
    return merged


def sgd(w, dw, config=None):
    c = _merged(config, learning_rate=1e-2)
    return w - c["learning_rate"] * dw, c


def sgd_momentum(w, dw, config=None):
    c = _merged(config, learning_rate=1e-2, momentum=0.9)
    old = c.get("velocity", 0.0)
    c["velocity"] = c["momentum"] * old - c["learning_rate"] * dw
    return w + c["velocity"], c


def adagrad(w, dw, config=None):
    c = _merged(config, learning_rate=1e-2, epsilon=1e-8)
    c["cache"] = c.get("cache", 0.0) + dw ** 2
    return w - c["learning_rate"] * dw / (c["cache"] ** 0.5 + c["epsilon"]), c


def rmsprop(w, dw, config=None):
    c = _merged(config, learning_rate=1e-2, decay_rate=0.99, epsilon=1e-8)
    c["cache"] = c["decay_rate"] * c.get("cache", 0.0) + (1 - c["decay_rate"]) * dw ** 2
    return w - c["learning_rate"] * dw / (c["cache"] ** 0.5 + c["epsilon"]), c


def _moments(dw, c):
    t = c.get("t", 0) + 1
    m = c["beta1"] * c.get("m", 0.0) + (1 - c["beta1"]) * dw
    v = c["beta2"] * c.get("v", 0.0) + (1 - c["beta2"]) * dw ** 2
    c["m"], c["v"], c["t"] = m, v, t
    m_hat = m / (1 - c["beta1"] ** t)
    v_hat = v / (1 - c["beta2"] ** t)
    return m_hat / (np.sqrt(v_hat) + c["epsilon"])


def adam(w, dw, config=None):
    c = _merged(config, learning_rate=1e-3, beta1=0.9, beta2=0.999, epsilon=1e-8)
    direction = _moments(dw, c)
    return w - c["learning_rate"] * direction, c


def adamw(w, dw, config=None):
    c = _merged(config, learning_rate=1e-3, beta1=0.9, beta2=0.999, epsilon=1e-8, weight_decay=1e-2)
    shrunk = w * (1 - c["learning_rate"] * c["weight_decay"])
    return shrunk - c["learning_rate"] * _moments(dw, c), c


def warmup_lr(t, lr_init, lr_base, warmup_steps):
    if t < 0:
        raise ValueError(f"t = {t} < 0")
    if t >= warmup_steps:
        return lr_base
    fraction = t / warmup_steps
    return (1 - fraction) * lr_init + fraction * lr_base


def step_decay_lr(epoch, lr, step_size, gamma):
    if epoch < 0:
        raise ValueError(f"epoch = {epoch} < 0")
    return lr * math.pow(gamma, int(epoch / step_size))


def cosine_lr(t, lr_max, lr_min, total_steps):
    if t < 0:
        raise ValueError(f"t = {t} < 0")
    if t >= total_steps:
        return lr_min
    return lr_min + (lr_max - lr_min) * 0.5 * (1 + math.cos(t * math.pi / total_steps))
