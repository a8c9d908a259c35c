# loses: gradient_check
# mistake: numerical_gradient uses the one-sided (f(x + h) - f(x)) / h.
import numpy as np


def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros(x.shape, dtype=np.float64)
    fx = f(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + h
        f_plus = f(x)
        x[idx] = old
        grad[idx] = (f_plus - fx) / h
    return grad
