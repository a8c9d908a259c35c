# loses: initialization
# mistake: kaiming_normal draws a uniform with the right variance (bound sqrt(6 / fan_in)) instead of a normal.
import math
import numpy as np


def kaiming_normal(fan_in, fan_out, rng):
    """Kaiming (He) normal initialization for ReLU layers.

    Returns W of shape (fan_in, fan_out), i.i.d. Normal with mean 0 and
    variance 2 / fan_in, drawn from rng.
    """
    std = math.sqrt(2.0 / fan_in)                   # rng.normal's scale is a standard deviation
    return rng.uniform(-math.sqrt(3.0) * std, math.sqrt(3.0) * std, size=(fan_in, fan_out))
