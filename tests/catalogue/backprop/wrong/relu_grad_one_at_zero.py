# loses: activations
# mistake: relu_grad uses z >= 0, so relu_grad(0) is 1 instead of 0.
import numpy as np


def relu_grad(z):
    return (np.asarray(z) >= 0).astype(np.float64)
