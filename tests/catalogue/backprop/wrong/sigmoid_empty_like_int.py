# loses: activations
# mistake: sigmoid allocates its result with empty_like on the raw input, so integer inputs give truncated integer results.
import numpy as np


def sigmoid(z):
    z = np.asarray(z)
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos].astype(float)))
    ez = np.exp(z[~pos].astype(float))
    out[~pos] = ez / (1.0 + ez)
    return out
