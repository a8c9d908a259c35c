# loses: early_stopping
# mistake: early_stopping compares each loss with the previous epoch's loss instead of the best.
import math
import numpy as np


def early_stopping(val_losses, patience, min_delta=0.0):
    """When to stop training, and which epoch's weights to keep.

    val_losses: validation loss of every epoch, epochs numbered from 0.
    patience: how many epochs without improvement to tolerate (>= 1).
    min_delta: an epoch improves when its loss is below the best loss so
    far minus min_delta (strictly); a NaN loss never improves.
    Returns (stop_epoch, best_epoch) as ints: the first epoch that comes
    patience epochs after the last improvement (the last epoch if there is
    none), and the last improving epoch up to stop_epoch.
    patience < 1 or an empty list: ValueError.
    """
    if patience < 1:
        raise ValueError(f"patience must be at least 1, got {patience}")
    losses = [float(v) for v in val_losses]
    if not losses:
        raise ValueError("val_losses is empty")
    best_loss, best_epoch = losses[0], 0            # epoch 0 always improves
    for epoch in range(1, len(losses)):
        if losses[epoch] < losses[epoch - 1] - min_delta:
            best_loss, best_epoch = losses[epoch], epoch
        elif epoch - best_epoch >= patience:
            return epoch, best_epoch
    return len(losses) - 1, best_epoch
