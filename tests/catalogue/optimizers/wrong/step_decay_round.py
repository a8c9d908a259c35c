# loses: schedules
# mistake: the exponent is round(epoch / step_size) instead of its floor.
def step_decay_lr(epoch, lr, step_size, gamma):
    if epoch < 0:
        raise ValueError(f"the epoch must be >= 0, got {epoch}")
    return float(lr * gamma ** round(epoch / step_size))
