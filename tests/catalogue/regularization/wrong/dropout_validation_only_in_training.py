# loses: dropout
# mistake: p is validated only in training mode.
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
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float64)
    if not train or p == 0.0:
        return x, {"mask": None, "scale": 1.0}
    if not 0.0 <= p < 1.0:
        raise ValueError(f"p must be in [0, 1), got {p}")
    keep = 1.0 - p
    mask = rng.random(x.shape) < keep               # True with probability 1 - p
    scale = x.dtype.type(1.0 / keep)                # a scalar of x's dtype keeps float32
    return x * mask * scale, {"mask": mask, "scale": scale}
