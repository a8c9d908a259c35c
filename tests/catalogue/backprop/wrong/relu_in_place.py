# loses: activations
# mistake: relu zeroes the negative entries of its input in place (z[z < 0] = 0) and returns it.
import numpy as np


def relu(z):
    z[z < 0] = 0
    return z
