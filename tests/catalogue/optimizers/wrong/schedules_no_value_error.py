# loses: schedules
# mistake: negative t or epoch are not rejected with ValueError.
import math


def warmup_lr(t, lr_init, lr_base, warmup_steps):
    if warmup_steps == 0 or t >= warmup_steps:
        return float(lr_base)
    return float(lr_init + (lr_base - lr_init) * t / warmup_steps)


def step_decay_lr(epoch, lr, step_size, gamma):
    return float(lr * gamma ** math.floor(epoch / step_size))


def cosine_lr(t, lr_max, lr_min, total_steps):
    if total_steps == 0 or t >= total_steps:
        return float(lr_min)
    return float(lr_min + 0.5 * (lr_max - lr_min) * (1 + math.cos(math.pi * t / total_steps)))
