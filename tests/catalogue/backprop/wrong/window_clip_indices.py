# loses: window_classifier
# mistake: window_features clips the indices to the sentence, repeating the first and last tokens instead of padding.
import numpy as np


def window_features(E, token_ids, k, pad_id):
    token_ids = np.asarray(token_ids)
    T = token_ids.shape[0]
    idx = np.clip(np.arange(T)[:, None] + np.arange(-k, k + 1)[None, :], 0, T - 1)
    return E[token_ids[idx]].reshape(T, (2 * k + 1) * E.shape[1])
