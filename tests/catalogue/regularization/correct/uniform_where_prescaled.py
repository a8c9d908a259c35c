import math

import numpy as np


def dropout_forward(x, p, train, rng):
    if not (0 <= p < 1):
        raise ValueError(f"invalid p={p}")
    if train and p > 0:
        keep = rng.uniform(size=x.shape) > p
        scaled = (keep / (1 - p)).astype(x.dtype)       # the mask already holds the scale
        return np.where(keep, x / (1 - p), 0).astype(x.dtype), {"train": True, "mask": scaled}
    return x, {"train": False}


def dropout_backward(dout, cache):
    if not cache["train"]:
        return dout
    return dout * cache["mask"]


def xavier_uniform(fan_in, fan_out, rng):
    limit = math.sqrt(6 / (fan_in + fan_out))
    return rng.uniform(low=-limit, high=limit, size=(fan_in, fan_out))


def kaiming_normal(fan_in, fan_out, rng):
    return rng.normal(loc=0, scale=(2 / fan_in) ** 0.5, size=(fan_in, fan_out))


def conv_fans(shape):
    dims = len(shape)
    if dims == 2:
        fan_in, fan_out = shape
        return fan_in, fan_out
    if dims < 3 or dims > 5:
        raise ValueError(f"unsupported shape {shape}")
    receptive = int(np.prod(shape[2:]))
    return int(shape[1]) * receptive, int(shape[0]) * receptive


def early_stopping(val_losses, patience, min_delta=0.0):
    if not val_losses:
        raise ValueError("no losses")
    if patience < 1:
        raise ValueError("patience must be >= 1")
    best_epoch = 0
    best = val_losses[0]
    for epoch in range(1, len(val_losses)):
        loss = val_losses[epoch]
        if not math.isnan(loss) and best - loss > min_delta:
            best, best_epoch = loss, epoch
        if epoch == best_epoch + patience:
            return epoch, best_epoch
    return len(val_losses) - 1, best_epoch
