# correct: exported from a notebook: top-level prints and demo loops that the grader skips, hyperparameters
# read with config.get(key, default) on every call (never stored), state stored under the spec's keys, sqrt
# written as ** 0.5, adamw decaying inside its own copy of the Adam update, schedules through helper functions.
import math
import numpy as np

print("optimizers assignment")
np.random.seed(0)
DEMO_W = np.ones(3)


def sgd(w, dw, config=None):
    config = config if config is not None else {}
    return w - config.get("learning_rate", 1e-2) * dw, config


def sgd_momentum(w, dw, config=None):
    config = config if config is not None else {}
    velocity = config.get("velocity", np.zeros_like(w, dtype=float))
    velocity = config.get("momentum", 0.9) * velocity - config.get("learning_rate", 1e-2) * dw
    config["velocity"] = velocity
    return w + velocity, config


def adagrad(w, dw, config=None):
    config = config if config is not None else {}
    config["cache"] = config.get("cache", 0) + dw ** 2
    lr, eps = config.get("learning_rate", 1e-2), config.get("epsilon", 1e-8)
    return w - lr * dw / (config["cache"] ** 0.5 + eps), config


def rmsprop(w, dw, config=None):
    config = config if config is not None else {}
    rho = config.get("decay_rate", 0.99)
    config["cache"] = rho * config.get("cache", 0) + (1 - rho) * dw ** 2
    lr, eps = config.get("learning_rate", 1e-2), config.get("epsilon", 1e-8)
    return w - lr * dw / (config["cache"] ** 0.5 + eps), config


def adam(w, dw, config=None):
    config = config if config is not None else {}
    b1, b2 = config.get("beta1", 0.9), config.get("beta2", 0.999)
    config["t"] = t = config.get("t", 0) + 1
    config["m"] = b1 * config.get("m", 0) + (1 - b1) * dw
    config["v"] = b2 * config.get("v", 0) + (1 - b2) * dw ** 2
    m_hat = config["m"] / (1 - b1 ** t)
    v_hat = config["v"] / (1 - b2 ** t)
    return w - config.get("learning_rate", 1e-3) * m_hat / (v_hat ** 0.5 + config.get("epsilon", 1e-8)), config


def adamw(w, dw, config=None):
    config = config if config is not None else {}
    lr, wd = config.get("learning_rate", 1e-3), config.get("weight_decay", 1e-2)
    b1, b2 = config.get("beta1", 0.9), config.get("beta2", 0.999)
    config["t"] = t = config.get("t", 0) + 1
    config["m"] = b1 * config.get("m", 0) + (1 - b1) * dw
    config["v"] = b2 * config.get("v", 0) + (1 - b2) * dw ** 2
    m_hat = config["m"] / (1 - b1 ** t)
    v_hat = config["v"] / (1 - b2 ** t)
    return w - lr * (m_hat / (v_hat ** 0.5 + config.get("epsilon", 1e-8)) + wd * w), config


def _check_step(t):
    if t < 0:
        raise ValueError(f"negative step {t}")


def _interpolate(start, end, fraction):
    return start + (end - start) * fraction


def warmup_lr(t, lr_init, lr_base, warmup_steps):
    _check_step(t)
    fraction = 1.0 if warmup_steps == 0 else min(1.0, t / warmup_steps)
    return _interpolate(lr_init, lr_base, fraction)


def step_decay_lr(epoch, lr, step_size, gamma):
    _check_step(epoch)
    return lr * gamma ** math.floor(epoch / step_size)


def cosine_lr(t, lr_max, lr_min, total_steps):
    _check_step(t)
    fraction = 1.0 if total_steps == 0 else min(1.0, t / total_steps)
    return _interpolate(lr_max, lr_min, (1 - math.cos(math.pi * fraction)) / 2)


for rule in (sgd, sgd_momentum, adam):
    print(rule.__name__, rule(DEMO_W, DEMO_W)[0])
sgd(DEMO_W, DEMO_W)
