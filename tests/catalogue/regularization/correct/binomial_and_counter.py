import math

import numpy as np


def dropout_forward(x, p, train, rng):
    if p < 0 or p >= 1:
        raise ValueError("p must be in [0, 1)")
    x = np.asarray(x)
    if not train or p == 0:
        return x.copy(), (None, p)
    mask = rng.binomial(1, 1 - p, size=x.shape).astype(x.dtype)
    out = x * mask / (1 - p)
    return out.astype(x.dtype), (mask, p)


def dropout_backward(dout, cache):
    mask, p = cache
    if mask is None:
        return dout.copy()
    return dout * mask / (1 - p)


def xavier_uniform(fan_in, fan_out, rng):
    a = np.sqrt(6) / np.sqrt(fan_in + fan_out)
    return a * (2 * rng.random((fan_in, fan_out)) - 1)


def kaiming_normal(fan_in, fan_out, rng):
    return rng.standard_normal((fan_in, fan_out)) * np.sqrt(2 / fan_in)


def conv_fans(shape):
    if len(shape) == 2:
        return shape[0], shape[1]
    if len(shape) in (3, 4, 5):
        receptive = 1
        for k in shape[2:]:
            receptive *= k
        return shape[1] * receptive, shape[0] * receptive
    raise ValueError("conv_fans needs 2 to 5 dimensions")


def early_stopping(val_losses, patience, min_delta=0.0):
    # Keras style: a wait counter, best starting at +inf.
    if patience < 1 or len(val_losses) == 0:
        raise ValueError("bad arguments")
    best = math.inf
    best_epoch = 0
    wait = 0
    for epoch, loss in enumerate(val_losses):
        if loss + min_delta < best:
            best, best_epoch, wait = loss, epoch, 0
        else:
            wait += 1
            if wait >= patience:
                return epoch, best_epoch
    return len(val_losses) - 1, best_epoch
