# loses: gradient_check
# mistake: numerical_gradient fills a flat gradient of size x.size and returns it without reshaping it to x's shape.
import numpy as np


def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros(x.shape, dtype=np.float64)
    flat = np.zeros(x.size)
    for i, idx in enumerate(np.ndindex(x.shape)):
        old = x[idx]
        x[idx] = old + h
        f_plus = f(x)
        x[idx] = old - h
        f_minus = f(x)
        x[idx] = old
        flat[i] = (f_plus - f_minus) / (2.0 * h)
    return flat
