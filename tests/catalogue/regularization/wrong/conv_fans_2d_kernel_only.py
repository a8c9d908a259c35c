# loses: initialization
# mistake: conv_fans multiplies only shape[2] * shape[3], as for a 2-d kernel.
import math
import numpy as np


def conv_fans(shape):
    """(fan_in, fan_out) of a weight of the given shape.

    shape: (out_channels, in_channels, *kernel) with 1, 2 or 3 kernel
    dimensions, or a dense weight (fan_in, fan_out). Returns a tuple of two
    ints; any other number of dimensions: ValueError.
    """
    shape = tuple(int(s) for s in shape)
    if len(shape) == 2:
        return shape[0], shape[1]
    if not 3 <= len(shape) <= 5:
        raise ValueError(f"expected 2 to 5 dimensions, got shape {shape}")
    out_channels, in_channels, *kernel = shape
    receptive = shape[2] * shape[3]
    return in_channels * receptive, out_channels * receptive
