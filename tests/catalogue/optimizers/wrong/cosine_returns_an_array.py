# loses: schedules
# mistake: cosine_lr returns a 1-element array instead of a number.
import numpy as np


def cosine_lr(t, lr_max, lr_min, total_steps):
    if t < 0:
        raise ValueError(f"the step t must be >= 0, got {t}")
    if total_steps == 0 or t >= total_steps:
        return float(lr_min)
    return lr_min + 0.5 * (lr_max - lr_min) * (1 + np.cos(np.pi * np.array([t]) / total_steps))
