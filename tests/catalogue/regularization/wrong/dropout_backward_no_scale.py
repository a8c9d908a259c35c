# loses: dropout
# mistake: dropout_backward multiplies by the mask but not by 1 / (1 - p).
import math
import numpy as np


def dropout_backward(dout, cache):
    """Gradient of the loss with respect to x, given dout = d loss / d out.

    cache: the second value returned by dropout_forward. Returns dx shaped
    like dout: the same mask and scale as the forward pass (in test mode,
    or for p == 0, dx equals dout).
    """
    dout = np.asarray(dout)
    if cache["mask"] is None:
        return dout
    return dout * cache["mask"]
