# loses: activations
# mistake: leaky_relu_grad fills np.ones_like(z), which is an integer array for integer z, so k is truncated to 0.
import numpy as np


def leaky_relu_grad(z, k=0.01):
    z = np.asarray(z)
    out = np.ones_like(z)
    out[z <= 0] = k
    return out
