# loses: softmax_losses
# mistake: hinge_loss swaps the signs of ds and ds_c.
import numpy as np


def hinge_loss(s, s_c, margin=1.0):
    s = np.asarray(s, dtype=np.float64)
    s_c = np.asarray(s_c, dtype=np.float64)
    n = s.shape[0]
    slack = margin + s_c - s
    active = (slack > 0).astype(np.float64)
    loss = float(np.sum(slack * active) / n)
    return loss, active / n, -active / n
