# loses: softmax_losses
# mistake: softmax subtracts the max of the whole batch, not each row's, so rows far below it underflow to 0 / 0.
import numpy as np


def softmax(z):
    z = np.asarray(z, dtype=np.float64)
    shifted = z - np.max(z)
    e = np.exp(shifted)
    return e / np.sum(e, axis=-1, keepdims=True)
