# loses: activations
# mistake: tanh_grad forgets the square: 1 - tanh(z).
import numpy as np


def tanh_grad(z):
    t = np.tanh(np.asarray(z, dtype=np.float64))
    return 1.0 - t
