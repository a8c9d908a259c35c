# loses: activations
# mistake: softsign_grad uses (1 + z)**2 instead of (1 + |z|)**2, wrong for negative z.
import numpy as np


def softsign_grad(z):
    return 1.0 / (1.0 + np.asarray(z, dtype=np.float64)) ** 2
