# loses: activations
# mistake: sigmoid loops over z.ravel() and writes each result through out.ravel(); ravel() is a view only of a C-ordered array, so for a transposed, Fortran-ordered or strided z the results go to a copy and sigmoid returns zeros.
import math

import numpy as np


def sigmoid(z):
    z = np.asarray(z, dtype=np.float64)
    out = np.zeros_like(z)                     # keeps z's memory layout
    flat_z, flat_out = z.ravel(), out.ravel()  # views only when z is C-contiguous
    for i in range(flat_z.size):
        v = flat_z[i]
        if v >= 0:
            flat_out[i] = 1.0 / (1.0 + math.exp(-v))
        else:
            e = math.exp(v)
            flat_out[i] = e / (1.0 + e)
    return out
