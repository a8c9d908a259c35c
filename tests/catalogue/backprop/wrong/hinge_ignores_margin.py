# loses: softmax_losses
# mistake: hinge_loss hard-codes a margin of 1.
import numpy as np


def hinge_loss(s, s_c, margin=1.0):
    s = np.asarray(s, dtype=np.float64)
    s_c = np.asarray(s_c, dtype=np.float64)
    n = s.shape[0]
    slack = 1.0 + s_c - s
    active = (slack > 0).astype(np.float64)
    loss = float(np.sum(slack * active) / n)
    return loss, -active / n, active / n
