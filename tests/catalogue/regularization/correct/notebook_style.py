# A notebook export: helper cells, comments, np.random.Generator.choice for the mask.
import numpy as np
import math


def _check_p(p):
    if p >= 1 or p < 0:
        raise ValueError("Dropout probability has to be between 0 and 1, but got {}".format(p))


def dropout_forward(x, p, train, rng):
    _check_p(p)
    cache = {"p": p, "train": train}
    if train:
        r = rng.choice(np.array([0, 1], dtype=x.dtype), size=x.shape, p=[p, 1 - p])
        cache["r"] = r
        out = r * x / x.dtype.type(1 - p)
    else:
        out = x.copy()
    return out, cache


def dropout_backward(dout, cache):
    if cache["train"]:
        return dout * cache["r"] / (1 - cache["p"])
    else:
        return dout


def xavier_uniform(fan_in, fan_out, rng):
    child = np.random.default_rng(rng.integers(2**63))   # a child generator seeded from rng
    a = (6.0 / (fan_in + fan_out)) ** 0.5
    return child.uniform(-1.0, 1.0, size=(fan_in, fan_out)) * a


def kaiming_normal(fan_in, fan_out, rng):
    W = np.empty((fan_in, fan_out))
    for i in range(fan_in):                               # one row at a time
        W[i] = rng.normal(0.0, math.sqrt(2.0 / fan_in), size=fan_out)
    return W


def conv_fans(shape):
    if len(shape) == 2:
        return (shape[0], shape[1])
    elif len(shape) == 3 or len(shape) == 4 or len(shape) == 5:
        rf = np.prod(shape[2:])
        return (shape[1] * rf, shape[0] * rf)
    else:
        raise ValueError("Expected a 2-d, 3-d, 4-d or 5-d shape")


def early_stopping(val_losses, patience, min_delta=0.0):
    if patience < 1:
        raise ValueError("patience must be positive")
    if len(val_losses) == 0:
        raise ValueError("empty val_losses")
    best_loss = None
    best_epoch = None
    counter = 0
    for epoch, loss in enumerate(val_losses):
        if best_loss is None:
            best_loss, best_epoch = loss, epoch
            continue
        if loss < best_loss - min_delta:
            best_loss, best_epoch = loss, epoch
            counter = 0
        else:
            counter += 1
        if counter == patience:
            return epoch, best_epoch
    return len(val_losses) - 1, best_epoch
