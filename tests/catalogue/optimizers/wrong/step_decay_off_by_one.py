# loses: schedules
# mistake: the exponent is (epoch + 1) // step_size.
def step_decay_lr(epoch, lr, step_size, gamma):
    if epoch < 0:
        raise ValueError(f"the epoch must be >= 0, got {epoch}")
    return float(lr * gamma ** ((epoch + 1) // step_size))
