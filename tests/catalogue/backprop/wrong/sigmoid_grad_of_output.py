# loses: activations
# mistake: sigmoid_grad treats its argument as the sigmoid's output and returns z * (1 - z).
import numpy as np


def sigmoid_grad(z):
    return z * (1.0 - z)
