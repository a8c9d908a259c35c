# loses: activations
# mistake: sigmoid_grad evaluates the derivative at sigmoid(z) instead of z (sigmoid applied twice).
import numpy as np


def sigmoid_grad(z):
    s = sigmoid(sigmoid(z))
    return s * (1.0 - s)
