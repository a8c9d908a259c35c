# loses: activations
# mistake: hardtanh_grad uses the open interval -1 < z < 1, so it is 0 at z = +-1.
import numpy as np


def hardtanh_grad(z):
    z = np.asarray(z)
    return ((z > -1) & (z < 1)).astype(np.float64)
