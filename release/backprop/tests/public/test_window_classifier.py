"""Public tests of window_features(E, token_ids, k, pad_id).

Row t is the concatenation E[ids[t-k]], ..., E[ids[t+k]], left to right,
with E[pad_id] past either end of the sentence. The hidden part of this
part also trains a network with the gradients of your mlp_loss_and_grads on
the named-entity data and scores its held-out accuracy.
"""
import numpy as np

from autograder.testing import check_array, check_close
from public_support import PAD_WITH_ZEROS

E = np.arange(12, dtype=np.float64).reshape(6, 2) + 1.0   # (V=6, d=2); row t is [2t+1, 2t+2]
PAD = 5                                                  # E[PAD] = [11, 12], not zeros
ZERO_PAD = np.where(np.arange(6)[:, None] == PAD, 0.0, E)  # E with a zero pad row: what zero padding gives
E.setflags(write=False)  # a shared constant: a student's in-place change must not reach later tests


def _rows(*windows, table=E):
    return np.array([np.concatenate([table[i] for i in w]) for w in windows])


def test_shape(student):
    ids = np.array([1, 2, 3, 4])
    for k in (0, 1, 2):
        check_array(student.window_features(E, ids, k, PAD), f"window_features(E, ids, k={k}, pad_id) for 4 tokens "
                    "and d=2", shape=(4, (2 * k + 1) * 2))


def test_window_with_k_one(student):
    ids = np.array([3, 0, 2])
    check_close(student.window_features(E, ids, 1, PAD), _rows([PAD, 3, 0], [3, 0, 2], [0, 2, PAD]),
                what="window_features(E, [3, 0, 2], k=1, pad_id)", inputs=(E,),
                mistakes={PAD_WITH_ZEROS: _rows([PAD, 3, 0], [3, 0, 2], [0, 2, PAD], table=ZERO_PAD),
                          "the window runs left to right, from t-k to t+k": _rows([0, 3, PAD], [2, 0, 3], [PAD, 2, 0])})


def test_k_zero_is_the_embeddings(student):
    ids = np.array([4, 1, 1, 0])
    check_close(student.window_features(E, ids, 0, PAD), E[ids], what="window_features(E, ids, k=0, pad_id)",
                inputs=(E,))


def test_sentence_shorter_than_the_window(student):
    ids = np.array([2, 4])
    check_close(student.window_features(E, ids, 2, PAD), _rows([PAD, PAD, 2, 4, PAD], [PAD, 2, 4, PAD, PAD]),
                what="window_features(E, [2, 4], k=2, pad_id) (a sentence shorter than the window)", inputs=(E,))
