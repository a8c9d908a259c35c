"""Public tests of softmax, softmax cross-entropy and the hinge loss.

Expected values are closed forms computed here or small hand-checked
numbers. The hidden tests use more shapes, logits up to 1e4 in magnitude and
the hinge's kink.
"""
import numpy as np

from autograder.testing import check_close, check_no_warnings, check_scalar
from public_support import DLOGITS_SIGN, DLOGITS_WITHOUT_1_OVER_N, LOSS_IS_A_SUM, parts

LOGITS = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0], [2.0, 2.0, 2.0], [-0.5, 1.5, 0.0]])  # (N=4, C=3)
Y = np.array([1, 2, 0, 0])
for _constant in (LOGITS, Y):
    _constant.setflags(write=False)  # shared constants: a student's in-place change must not reach later tests


def _softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def test_softmax_rows_of_a_batch(student):
    check_close(student.softmax(LOGITS), _softmax(LOGITS), what="softmax(z) for z of shape (4, 3)", inputs=(LOGITS,),
                mistakes={"softmax is taken over the last axis: each row must sum to 1": np.exp(LOGITS) /
                          np.exp(LOGITS).sum(axis=0, keepdims=True)})


def test_softmax_of_a_vector(student):
    z = np.array([0.5, -1.0, 2.0, 0.0])
    check_close(student.softmax(z), _softmax(z), what="softmax(z) for a 1-D z", inputs=(z,))


def test_softmax_is_stable(student):
    z = np.array([[1000.0, 1000.0, -1000.0], [-1000.0, -1001.0, -5000.0]])
    value = student.softmax(z)
    check_no_warnings(student, "softmax(z) for |z| up to 5000")
    check_close(value, [[0.5, 0.5, 0.0], [1 / (1 + np.exp(-1.0)), 1 / (1 + np.exp(1.0)), 0.0]],
                what="softmax(z) for |z| up to 5000 (subtract each row's max first)", inputs=(z,))


def test_softmax_cross_entropy(student):
    loss, dlogits = parts(student.softmax_cross_entropy(LOGITS, Y), 2, "softmax_cross_entropy(logits, y)")
    p = _softmax(LOGITS)
    n = len(Y)
    expected_loss = -np.mean(np.log(p[np.arange(n), Y]))
    onehot = np.eye(3)[Y]
    loss = check_scalar(loss, "the loss of softmax_cross_entropy")
    check_close(loss, expected_loss, what="the loss of softmax_cross_entropy", inputs=(LOGITS,),
                mistakes={LOSS_IS_A_SUM: expected_loss * n})
    check_close(dlogits, (p - onehot) / n, what="dlogits of softmax_cross_entropy", inputs=(LOGITS,),
                mistakes={DLOGITS_WITHOUT_1_OVER_N: p - onehot, DLOGITS_SIGN: (onehot - p) / n})


def test_hinge_loss_small_example(student):
    s = np.array([2.0, 0.5, 1.0, 3.0])
    s_c = np.array([0.5, 1.0, 0.0, 1.0])
    # slack = 1 + s_c - s = [-0.5, 1.5, 0.0 (the kink), -1.0]; only example 1 is active.
    loss, ds, ds_c = parts(student.hinge_loss(s, s_c), 3, "hinge_loss(s, s_c)")
    check_close(check_scalar(loss, "the loss of hinge_loss"), 1.5 / 4, what="the loss of hinge_loss", inputs=(s,),
                mistakes={LOSS_IS_A_SUM: 1.5})
    check_close(ds, [0, -0.25, 0, 0], what="ds of hinge_loss (0 at the kink, where the slack is exactly 0)",
                inputs=(s,),
                mistakes={"at the kink (slack == 0) the gradient is 0: use > 0, not >= 0": [0, -0.25, -0.25, 0]})
    check_close(ds_c, [0, 0.25, 0, 0], what="ds_c of hinge_loss (0 at the kink)", inputs=(s,))
