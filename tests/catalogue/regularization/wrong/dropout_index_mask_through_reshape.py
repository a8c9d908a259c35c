# loses: dropout
# mistake: dropout zeroes the dropped elements through out.reshape(-1)[dropped] = 0 (and the same for dx); out = x / (1 - p) keeps x's memory layout, so for a Fortran-ordered or transposed x the reshape is a copy and nothing is dropped. (This was the catalogue's "correct" loops_and_index_mask until views reached the student's code.)
import numpy as np


def dropout_forward(x, p, train, rng):
    if isinstance(p, bool) or not (0 <= p and p < 1):
        raise ValueError("p out of range")
    if not train or p == 0:
        return np.array(x, copy=True), ("identity",)
    flat = rng.random(x.size)                        # one draw per element, in C order
    dropped = np.flatnonzero(flat < p)
    out = x / (1 - p)                                # dtype of x (p is a Python float)
    out.reshape(-1)[dropped] = 0
    return out, ("mask", dropped, x.shape, 1 - p)


def dropout_backward(dout, cache):
    if cache[0] == "identity":
        return np.array(dout, copy=True)
    _, dropped, shape, keep = cache
    dx = np.array(dout, dtype=float) / keep
    dx.reshape(-1)[dropped] = 0
    return dx
