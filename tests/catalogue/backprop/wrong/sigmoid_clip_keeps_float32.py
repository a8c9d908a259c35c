# loses: activations
# mistake: sigmoid keeps float32 inputs in float32 and clips z to [-500, 500] before the textbook formula, but exp(500) overflows in float32.
import numpy as np


def sigmoid(z):
    z = np.asarray(z)
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)
    z = np.clip(z, -500, 500)
    return 1.0 / (1.0 + np.exp(-z))
