# loses: dropout
# mistake: dropout_forward keeps its mask in a module-level variable and dropout_backward reads it from there; right while each backward pass follows its own forward pass, wrong as soon as two dropout layers are in flight (layer 1's backward pass uses layer 2's mask).
import numpy as np

_MASK = None


def dropout_forward(x, p, train, rng):
    global _MASK
    if not 0.0 <= p < 1.0:
        raise ValueError(f"the drop probability p must be in [0, 1), got {p}")
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float64)
    if not train or p == 0.0:
        _MASK = None
        return x, {"p": p}
    keep = 1.0 - p
    _MASK = (rng.random(x.shape) < keep) * x.dtype.type(1.0 / keep)
    return x * _MASK, {"p": p}


def dropout_backward(dout, cache):
    dout = np.asarray(dout)
    return dout if _MASK is None else dout * _MASK
