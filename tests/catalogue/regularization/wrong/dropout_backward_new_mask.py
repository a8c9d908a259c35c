# loses: dropout
# mistake: dropout_backward draws a new mask from the generator kept in cache instead of reusing the forward mask.
import math
import numpy as np


def dropout_forward(x, p, train, rng):
    """Inverted dropout.

    x: array of any shape (float64 or float32). p: probability of DROPPING
    each unit, 0 <= p < 1 (anything else: ValueError). train: True in
    training, False at test time. rng: numpy Generator, the only source of
    random numbers.
    Returns (out, cache): out has the shape and dtype of x; in training each
    element is 0 with probability p and x / (1 - p) otherwise, independently;
    at test time (or for p == 0) out equals x. cache holds what
    dropout_backward needs.
    """
    if not 0.0 <= p < 1.0:                          # also rejects NaN
        raise ValueError(f"the drop probability p must be in [0, 1), got {p}")
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float64)
    if not train or p == 0.0:
        return x, {"mask": None, "scale": 1.0}
    keep = 1.0 - p
    mask = rng.random(x.shape) < keep               # True with probability 1 - p
    scale = x.dtype.type(1.0 / keep)                # a scalar of x's dtype keeps float32
    return x * mask * scale, {"mask": mask, "scale": scale, "rng": rng, "keep": keep}


def dropout_backward(dout, cache):
    """Gradient of the loss with respect to x, given dout = d loss / d out.

    cache: the second value returned by dropout_forward. Returns dx shaped
    like dout: the same mask and scale as the forward pass (in test mode,
    or for p == 0, dx equals dout).
    """
    dout = np.asarray(dout)
    if cache["mask"] is None:
        return dout
    mask = cache["rng"].random(dout.shape) < cache["keep"]
    return dout * mask * cache["scale"]
