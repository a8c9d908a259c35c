# loses: schedules
# mistake: warmup_steps == 0 is not special-cased, so t = 0 divides by zero.
def warmup_lr(t, lr_init, lr_base, warmup_steps):
    if t < 0:
        raise ValueError(f"the step t must be >= 0, got {t}")
    if t > warmup_steps:
        return float(lr_base)
    return float(lr_init + (lr_base - lr_init) * t / warmup_steps)
