# loses: activations
# mistake: sigmoid uses the textbook 1 / (1 + exp(-z)), which overflows (with a warning) for large negative z.
import numpy as np


def sigmoid(z):
    z = np.asarray(z, dtype=np.float64)
    return 1.0 / (1.0 + np.exp(-z))
