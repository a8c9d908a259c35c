# loses: activations
# mistake: sigmoid picks between the two stable formulas with np.where, but np.where evaluates exp(-z) and exp(z) everywhere, so it overflows with a warning.
import numpy as np


def sigmoid(z):
    z = np.asarray(z, dtype=np.float64)
    return np.where(z >= 0, 1.0 / (1.0 + np.exp(-z)), np.exp(z) / (1.0 + np.exp(z)))
