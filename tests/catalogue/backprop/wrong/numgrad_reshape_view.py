# loses: gradient_check
# mistake: numerical_gradient perturbs x through x.reshape(-1), which is a view only of a C-ordered array; for a transposed, Fortran-ordered or strided x it perturbs a copy, f never sees the change and the gradient is 0.
import numpy as np


def numerical_gradient(f, x, h=1e-5):
    flat = x.reshape(-1)                      # assumes x is contiguous: a copy otherwise
    grad = np.zeros(flat.size)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        f_plus = f(x)
        flat[i] = old - h
        f_minus = f(x)
        flat[i] = old
        grad[i] = (f_plus - f_minus) / (2.0 * h)
    return grad.reshape(x.shape)
