# loses: conv_arithmetic, model
# mistake: conv_output_size uses np.floor, which returns a float, and returns it without int().
import numpy as np


def conv_output_size(size, kernel_size, padding=0, stride=1):
    out = np.floor((size + 2 * padding - kernel_size) / stride) + 1
    if out < 1:
        raise ValueError("the window does not fit")
    return out
