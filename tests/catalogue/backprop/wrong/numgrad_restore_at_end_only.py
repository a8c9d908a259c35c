# loses: gradient_check
# mistake: numerical_gradient restores x[i] only after the loop, so later elements are evaluated at a shifted x.
import numpy as np


def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros(x.shape, dtype=np.float64)
    saved = x.copy()
    for idx in np.ndindex(x.shape):
        old = saved[idx]
        x[idx] = old + h
        f_plus = f(x)
        x[idx] = old - h
        f_minus = f(x)
        grad[idx] = (f_plus - f_minus) / (2.0 * h)
    x[...] = saved
    return grad
