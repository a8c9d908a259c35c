import math

import numpy as np


def dropout_forward(x, p, train, rng):
    if isinstance(p, bool) or not (0 <= p and p < 1):
        raise ValueError("p out of range")
    if not train or p == 0:
        return np.array(x, copy=True), ("identity",)
    flat = rng.random(x.size)                        # one draw per element, in C order
    dropped = np.flatnonzero(flat < p)
    out = x / (1 - p)                                # dtype of x (p is a Python float), x's memory layout
    out.flat[dropped] = 0                            # C-order positions, whatever the layout (not reshape(-1))
    return out, ("mask", dropped, x.shape, 1 - p)


def dropout_backward(dout, cache):
    if cache[0] == "identity":
        return np.array(dout, copy=True)
    _, dropped, shape, keep = cache
    dx = np.array(dout, dtype=float) / keep
    dx.flat[dropped] = 0
    return dx


def xavier_uniform(fan_in, fan_out, rng):
    bound = math.sqrt(6.0 / (fan_in + fan_out))
    return np.array([[rng.uniform(-bound, bound) for _ in range(fan_out)] for _ in range(fan_in)])


def kaiming_normal(fan_in, fan_out, rng):
    return np.sqrt(2.0 / fan_in) * rng.normal(size=(fan_in, fan_out))


def conv_fans(shape):
    n = len(shape)
    if n == 2:
        return shape[0], shape[1]
    if n not in (3, 4, 5):
        raise ValueError("conv weight must be (out, in, *kernel) with 1 to 3 kernel dims")
    receptive = 1
    i = 2
    while i < n:
        receptive = receptive * shape[i]
        i += 1
    return shape[1] * receptive, shape[0] * receptive


def early_stopping(val_losses, patience, min_delta=0.0):
    # Keeps the list of improving epochs; the last one is the epoch to restore.
    if patience < 1:
        raise ValueError("patience must be at least 1")
    if len(val_losses) < 1:
        raise ValueError("need at least one epoch")
    improving = [0]
    for epoch in range(1, len(val_losses)):
        if val_losses[epoch] < val_losses[improving[-1]] - min_delta:
            improving.append(epoch)
        elif epoch - improving[-1] == patience:
            return epoch, improving[-1]
    return len(val_losses) - 1, improving[-1]
