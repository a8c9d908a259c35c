# loses: window_classifier
# mistake: window_features checks only the right end of the sentence, so negative positions wrap around to its last tokens.
import numpy as np


def window_features(E, token_ids, k, pad_id):
    token_ids = np.asarray(token_ids)
    T = token_ids.shape[0]
    rows = []
    for t in range(T):
        row = []
        for j in range(t - k, t + k + 1):
            row.append(E[token_ids[j]] if j < T and j >= -T else E[pad_id])
        rows.append(np.concatenate(row))
    return np.array(rows)
