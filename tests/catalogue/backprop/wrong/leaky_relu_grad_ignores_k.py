# loses: activations
# mistake: leaky_relu_grad hard-codes 0.01 instead of using k.
import numpy as np


def leaky_relu_grad(z, k=0.01):
    return np.where(np.asarray(z) > 0, 1.0, 0.01)
