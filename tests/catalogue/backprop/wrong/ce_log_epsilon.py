# loses: softmax_losses
# mistake: softmax_cross_entropy takes -log(p + 1e-12) of the softmax probability, finite but wrong when p underflows.
import numpy as np


def softmax_cross_entropy(logits, y):
    logits = np.asarray(logits, dtype=np.float64)
    y = np.asarray(y, dtype=np.int64)
    n = logits.shape[0]
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    probs = np.exp(log_probs)
    loss = -np.mean(np.log(probs[np.arange(n), y] + 1e-12))
    dlogits = np.exp(log_probs)
    dlogits[np.arange(n), y] -= 1.0
    return float(loss), dlogits / n
