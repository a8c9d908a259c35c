# loses: activations
# mistake: softsign_grad copies the notes' slip sgn(z) / (1 + z)**2.
import numpy as np


def softsign_grad(z):
    z = np.asarray(z, dtype=np.float64)
    return np.sign(z) / (1.0 + z) ** 2
