# loses: window_classifier
# mistake: window_features flattens the (2k+1, d) window column by column, interleaving the embeddings.
import numpy as np


def window_features(E, token_ids, k, pad_id):
    token_ids = np.asarray(token_ids)
    padded = np.concatenate([np.full(k, pad_id), token_ids, np.full(k, pad_id)]).astype(np.int64)
    T = token_ids.shape[0]
    windows = np.stack([padded[t:t + 2 * k + 1] for t in range(T)]) if T else np.zeros((0, 2 * k + 1), int)
    return E[windows].transpose(0, 2, 1).reshape(T, (2 * k + 1) * E.shape[1])
