# loses: schedules
# mistake: total_steps == 0 is not special-cased: division by zero.
import math


def cosine_lr(t, lr_max, lr_min, total_steps):
    if t < 0:
        raise ValueError(f"the step t must be >= 0, got {t}")
    if t >= total_steps > 0:
        return float(lr_min)
    return float(lr_min + 0.5 * (lr_max - lr_min) * (1 + math.cos(math.pi * t / total_steps)))
