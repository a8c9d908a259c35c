# loses: activations
# mistake: leaky_relu_grad returns k * z for z <= 0 (the function's slope times z) instead of the constant k.
import numpy as np


def leaky_relu_grad(z, k=0.01):
    z = np.asarray(z, dtype=np.float64)
    return np.where(z > 0, 1.0, k * z)
