# loses: activations
# mistake: leaky_relu_grad uses z >= 0, so it is 1 at z == 0 instead of k.
import numpy as np


def leaky_relu_grad(z, k=0.01):
    return np.where(np.asarray(z) >= 0, 1.0, k)
