# loses: schedules
# mistake: the linear ramp continues past warmup_steps instead of staying at lr_base.
def warmup_lr(t, lr_init, lr_base, warmup_steps):
    if t < 0:
        raise ValueError(f"the step t must be >= 0, got {t}")
    if warmup_steps == 0:
        return float(lr_base)
    return float(lr_init + (lr_base - lr_init) * t / warmup_steps)
