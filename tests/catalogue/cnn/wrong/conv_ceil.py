# loses: conv_arithmetic
# mistake: conv_output_size rounds up, counting a last window that runs past the padded input.
import math


def conv_output_size(size, kernel_size, padding=0, stride=1):
    out = math.ceil((size + 2 * padding - kernel_size) / stride) + 1
    if out < 1:
        raise ValueError("the window does not fit")
    return out
