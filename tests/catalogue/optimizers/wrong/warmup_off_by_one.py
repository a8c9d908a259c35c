# loses: schedules
# mistake: warm-up uses (t + 1) / warmup_steps, so t = 0 is already above lr_init.
def warmup_lr(t, lr_init, lr_base, warmup_steps):
    if t < 0:
        raise ValueError(f"the step t must be >= 0, got {t}")
    if warmup_steps == 0 or t >= warmup_steps:
        return float(lr_base)
    return float(lr_init + (lr_base - lr_init) * (t + 1) / warmup_steps)
