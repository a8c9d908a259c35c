# loses: initialization
# mistake: xavier_uniform uses a = sqrt(6 / fan_in).
import math
import numpy as np


def xavier_uniform(fan_in, fan_out, rng):
    """Xavier (Glorot) uniform initialization.

    Returns W of shape (fan_in, fan_out), i.i.d. Uniform(-a, a) with
    a = sqrt(6 / (fan_in + fan_out)), drawn from rng.
    """
    a = math.sqrt(6.0 / fan_in)
    return rng.uniform(-a, a, size=(fan_in, fan_out))
