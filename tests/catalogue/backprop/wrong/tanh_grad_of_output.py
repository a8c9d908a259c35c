# loses: activations
# mistake: tanh_grad treats its argument as tanh's output and returns 1 - z**2.
import numpy as np


def tanh_grad(z):
    z = np.asarray(z, dtype=np.float64)
    return 1.0 - z ** 2
