import math

import numpy as np


def dropout_forward(x, p, train, rng):
    if not 0.0 <= p < 1.0:
        raise ValueError("p must satisfy 0 <= p < 1")
    if not train:
        return x, None
    u = rng.random(x.shape, dtype=np.float32)         # float32 draws
    mask = (u >= p).astype(x.dtype)
    scale = np.asarray(1.0 / (1.0 - p), dtype=x.dtype)
    return x * mask * scale, mask * scale


def dropout_backward(dout, cache):
    if cache is None:
        return dout
    return dout * cache


def xavier_uniform(fan_in, fan_out, rng):
    # float32 weights, as many frameworks use
    a = np.float32(math.sqrt(6.0 / (fan_in + fan_out)))
    u = rng.random((fan_in, fan_out), dtype=np.float32)
    return (2.0 * u - 1.0).astype(np.float32) * a


def kaiming_normal(fan_in, fan_out, rng):
    return rng.standard_normal((fan_in, fan_out), dtype=np.float32) * np.float32(math.sqrt(2.0 / fan_in))


def conv_fans(shape):
    shape = tuple(shape)
    if len(shape) == 2:
        return shape
    if 3 <= len(shape) <= 5:
        k = math.prod(shape[2:])
        return (shape[1] * k, shape[0] * k)
    raise ValueError("shape must have 2, 3, 4 or 5 dimensions")


def early_stopping(val_losses, patience, min_delta=0.0):
    if patience < 1:
        raise ValueError("patience < 1")
    losses = np.asarray(val_losses, dtype=float)
    if losses.size == 0:
        raise ValueError("empty")
    best_epoch = 0
    for epoch in range(1, losses.size):
        if losses[epoch] < losses[best_epoch] - min_delta:
            best_epoch = epoch
        elif epoch - best_epoch == patience:
            return int(epoch), int(best_epoch)
    return int(losses.size - 1), int(best_epoch)
