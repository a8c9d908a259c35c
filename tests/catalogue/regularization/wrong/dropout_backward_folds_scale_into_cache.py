# loses: dropout
# mistake: dropout_backward folds the scale into the cached mask (cache["mask"] = mask * scale) without marking it done, so a second backward pass through the same cache scales twice.
import numpy as np


def dropout_backward(dout, cache):
    dout = np.asarray(dout)
    if cache["mask"] is None:
        return dout
    if cache["scale"] != 1.0:                            # fold the scale into the mask, "once"
        cache["mask"] = cache["mask"] * cache["scale"]
    return dout * cache["mask"]
