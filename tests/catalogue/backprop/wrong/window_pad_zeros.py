# loses: window_classifier
# mistake: window_features pads with zero vectors instead of E[pad_id].
import numpy as np


def window_features(E, token_ids, k, pad_id):
    token_ids = np.asarray(token_ids)
    T, d = token_ids.shape[0], E.shape[1]
    padded = np.concatenate([np.zeros((k, d)), E[token_ids], np.zeros((k, d))])
    return np.stack([padded[t:t + 2 * k + 1].reshape(-1) for t in range(T)])
