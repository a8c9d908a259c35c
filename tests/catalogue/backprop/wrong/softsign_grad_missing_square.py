# loses: activations
# mistake: softsign_grad forgets the square: 1 / (1 + |z|).
import numpy as np


def softsign_grad(z):
    return 1.0 / (1.0 + np.abs(np.asarray(z, dtype=np.float64)))
