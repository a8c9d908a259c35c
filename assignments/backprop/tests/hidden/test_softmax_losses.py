"""Hidden tests of softmax, softmax cross-entropy and the hinge loss.

What each test is there to catch (see tests/catalogue/backprop/wrong/):
- softmax over the wrong axis (rows vs columns; a square case so that a
  transposed normalisation runs), over all entries, or with axis=1 that
  breaks 1-D inputs;
- stability for logits up to 1e4: no max subtraction, a global max instead
  of each row's (rows of very different scale underflow to 0/0), the log of
  an unstabilised probability in the cross-entropy;
- the missing 1/N in the loss or in the gradient, sign errors;
- the hinge kink (slack exactly 0 gives gradient 0), the margin argument,
  gradients not masked by the active set;
- inputs modified in place (``z -= z.max(...)``);
- views: transposed, Fortran-ordered and strided logits and scores.

dlogits, ds and ds_c are checked against the grader's central differences of
the REFERENCE loss (support.py: the step, the bound, the hinge's kink), not
against the reference's gradients.
"""
import numpy as np
import pytest

from autograder.testing import CheckFailed, check_close, check_gradient, check_no_warnings, check_scalar, \
    check_unchanged, weight
from public_support import DLOGITS_SIGN, DLOGITS_WITHOUT_1_OVER_N, LOSS_IS_A_SUM, parts
from support import H, KINK_GAP, bound, loss_gradient

# Logits up to 1e4: the loss is then ~1e4 and rounding, ~1e-16 * 1e4 / h, dominates at h = 1e-5 (2e-7 from the
# exact gradient, above the bound). Rows there are nearly linear (probabilities saturate), so h = 1e-3 costs
# little curvature: 8e-9 from the exact gradient, 12 times inside the bound 1e-7 (the inputs are fixed).
H_LARGE = 1e-3


def _softmax_mistakes(z):
    z = np.asarray(z, dtype=np.float64)
    if z.ndim != 2:
        return {}
    with np.errstate(all="ignore"):
        e = np.exp(z - z.max())
        return {
            "softmax is taken over the LAST axis: each row must sum to 1, not each column":
                e / e.sum(axis=0, keepdims=True),
            "normalise each row separately (sum over the last axis), not over all the entries":
                e / e.sum(),
        }


@pytest.mark.parametrize("shape", [(5, 3), (4, 4), (1, 6)], ids=["5x3", "4x4", "1x6"])
def test_softmax_2d(student, reference, rng, shape):
    z = 2.0 * rng.standard_normal(shape)
    expected, hints = reference.softmax(z), _softmax_mistakes(z)           # before the student's call
    check_close(student.softmax(z), expected, what=f"softmax(z) for z of shape {shape}", inputs=(z,), mistakes=hints)


def test_softmax_1d(student, reference, rng):
    for n in (6, 1):
        z = 2.0 * rng.standard_normal(n)
        expected = reference.softmax(z)
        check_close(student.softmax(z), expected, what=f"softmax(z) for a 1-D z of shape ({n},)", inputs=(z,))


@weight(2)
def test_softmax_stable_for_large_logits(student, reference, rng):
    # Rows of very different scale: one max for the whole batch underflows whole rows to 0 / 0.
    z = np.array([[1e4, 1e4 - 1.0, -1e4, 0.0],
                  [-1e4, -1e4 + 2.0, -1e4 + 0.5, -1e4 + 1.0],
                  [5e3, -5e3, 4999.0, 0.0]])                              # (3, 4)
    z = np.concatenate([z, rng.uniform(-3, 3, size=(2, 4))])             # (5, 4)
    v = np.array([-1e4, -1e4 + 3.0, -1e4 + 1.0])
    expected, expected_v, hints = reference.softmax(z), reference.softmax(v), _softmax_mistakes(z)
    value = student.softmax(z)
    check_no_warnings(student, "softmax(z) for logits up to 1e4 in magnitude")
    check_close(value, expected, what="softmax(z) for logits up to 1e4 in magnitude (subtract each row's own max)",
                inputs=(z,), mistakes=hints)
    value = student.softmax(v)
    check_no_warnings(student, "softmax(z) for a 1-D z near -1e4")
    check_close(value, expected_v, what="softmax(z) for a 1-D z near -1e4", inputs=(v,))


def test_softmax_float32_and_integer_inputs(student, reference, rng):
    z32 = (2.0 * rng.standard_normal((3, 5))).astype(np.float32)
    zi = rng.integers(-3, 4, size=(3, 4))
    expected32, expected_int = reference.softmax(z32), reference.softmax(zi)
    check_close(student.softmax(z32), expected32, what="softmax(z) for float32 z", inputs=(z32,))
    check_close(student.softmax(zi), expected_int, what="softmax(z) for integer z", inputs=(zi,))


@weight(0.5)
def test_softmax_does_not_modify_input(student, reference, rng):
    z = 2.0 * rng.standard_normal((3, 4)) + 1.0
    original = z.copy()
    value = student.softmax(z)
    check_unchanged(original, z, "softmax(z)")
    check_close(value, reference.softmax(original), what="softmax(z)", inputs=(z,))


def _ce_check(student, reference, logits, y, label, large=False):
    """The loss against the reference, dlogits against the numerical gradient of the reference's loss;
    ``large``: logits up to 1e4, where p may underflow."""
    ref_loss, _ = reference.softmax_cross_entropy(logits, y)              # before the student's call
    numeric = loss_gradient(lambda v: reference.softmax_cross_entropy(v, y)[0], logits, H_LARGE if large else H)
    result = student.softmax_cross_entropy(logits, y)
    loss, dlogits = parts(result, 2, "softmax_cross_entropy(logits, y)")
    n = logits.shape[0]
    onehot = np.eye(logits.shape[1])[y]
    p = numeric * n + onehot                                              # softmax(logits), (N, C)
    loss = check_scalar(loss, f"the loss of softmax_cross_entropy for {label}")
    loss_hints = {"the loss is the MEAN over the batch of -log p[i, y_i], not the sum": ref_loss * n} if n > 1 else {}
    try:
        check_close(loss, ref_loss, what=f"the loss of softmax_cross_entropy for {label}", inputs=(logits,),
                    mistakes=loss_hints)
    except CheckFailed as exc:
        if not large or not 0 <= loss < 0.5 * ref_loss:
            raise
        raise CheckFailed(str(exc), hint="log(p + eps) or a clipped p caps the loss when p underflows to 0: compute "
                                         "log p directly as (logits - max) - log(sum(exp(logits - max)))") from None
    hints = {}
    if not large and n > 1:
        hints[DLOGITS_WITHOUT_1_OVER_N] = numeric * n
    if not large:
        hints[DLOGITS_SIGN] = -numeric
        hints["subtract 1 at the true class: dlogits = (softmax(logits) - onehot(y)) / N"] = p / n
    check_gradient(dlogits, numeric, f"dlogits of softmax_cross_entropy for {label}", bound(logits), hints)


@pytest.mark.parametrize("n,c", [(6, 4), (4, 4), (1, 3)], ids=["N6_C4", "N4_C4", "N1_C3"])
def test_cross_entropy_values(student, reference, rng, n, c):
    logits = 2.0 * rng.standard_normal((n, c))
    y = rng.integers(0, c, size=n)
    _ce_check(student, reference, logits, y, f"logits of shape {(n, c)}")


@weight(2)
def test_cross_entropy_finite_for_large_logits(student, reference, rng):
    # Spec: finite for logits up to 1e4. Row 0's true class has probability exp(-2e4): its log must not be -inf.
    logits = np.array([[1e4, -1e4, 0.0],
                       [-1e4, -1e4 + 1.0, -1e4 + 2.0],
                       [5e3, 5e3, -5e3],
                       [1.0, -2.0, 0.5]])                                 # (4, 3)
    y = np.array([1, 0, 2, 0])
    _ce_check(student, reference, logits, y, "logits up to 1e4 in magnitude", large=True)


def test_cross_entropy_float32_logits(student, reference, rng):
    logits = (2.0 * rng.standard_normal((5, 3))).astype(np.float32)
    y = rng.integers(0, 3, size=5)
    _ce_check(student, reference, logits, y, "float32 logits")


@weight(0.5)
def test_cross_entropy_does_not_modify_input(student, reference, rng):
    logits = 2.0 * rng.standard_normal((4, 3)) + 1.0
    y = np.array([0, 2, 1, 2])
    originals = logits.copy(), y.copy()
    _ce_check(student, reference, logits, y, "logits of shape (4, 3)")
    check_unchanged(originals[0], logits, "softmax_cross_entropy(logits, y)")
    check_unchanged(originals[1], y, "softmax_cross_entropy(logits, y)")


def _off_the_kink(s, s_c, margin=1.0):
    """s_c moved so that no slack margin + s_c - s is within KINK_GAP of 0 (random scores only)."""
    slack = margin + s_c - s
    near = np.abs(slack) < KINK_GAP
    return s_c + near * np.where(slack >= 0, KINK_GAP, -KINK_GAP)


def _hinge_gradients(reference, s, s_c, margin):
    """(ds, ds_c): central differences of the reference's hinge loss; at the kink (slack exactly 0, where the
    loss has no derivative) the spec's 0."""
    def loss(a, b):
        return reference.hinge_loss(a, b, margin=1.0 if margin is None else margin)[0]

    kink = np.abs((1.0 if margin is None else margin) + s_c - s) < KINK_GAP
    ds = np.where(kink, 0.0, loss_gradient(lambda v: loss(v, s_c), s))
    ds_c = np.where(kink, 0.0, loss_gradient(lambda v: loss(s, v), s_c))
    return ds, ds_c


def _hinge_check(student, reference, s, s_c, label, margin=None, positional=False, extra_hints=None):
    ref = reference.hinge_loss(s, s_c) if margin is None else reference.hinge_loss(s, s_c, margin=margin)
    fixed = reference.hinge_loss(s, s_c)                                   # both before the student's call
    numeric = _hinge_gradients(reference, s, s_c, margin)
    if margin is None:
        result = student.hinge_loss(s, s_c)
    else:
        result = student.hinge_loss(s, s_c, margin) if positional else student.hinge_loss(s, s_c, margin=margin)
    loss, ds, ds_c = parts(result, 3, "hinge_loss(s, s_c, margin)")
    ref_loss = ref[0]
    ref_ds, ref_dsc = numeric
    n = s.shape[0]
    loss = check_scalar(loss, f"the loss of hinge_loss for {label}")
    loss_hints = {LOSS_IS_A_SUM: ref_loss * n}
    if margin is not None:
        loss_hints["use the margin argument instead of a fixed 1"] = fixed[0]
    check_close(loss, ref_loss, what=f"the loss of hinge_loss for {label}", inputs=(s,), mistakes=loss_hints)
    for name, value, expected, sign in (("ds", ds, ref_ds, -1.0), ("ds_c", ds_c, ref_dsc, 1.0)):
        hints = {"the loss is a mean, so each active example contributes 1/N, not 1": expected * n,
                 "sign error: where the margin is violated, ds = -1/N and ds_c = +1/N": -expected,
                 "the gradient is non-zero only where margin + s_c - s > 0": np.full(n, sign / n)}
        if margin is not None:
            hints["use the margin argument instead of a fixed 1 (it decides which examples are active)"] = \
                fixed[1 if name == "ds" else 2]
        hints.update((extra_hints or {}).get(name, {}))
        check_gradient(value, expected, f"{name} of hinge_loss for {label}", bound(s), hints)


@weight(1.5)
def test_hinge_values(student, reference, rng):
    s = rng.normal(1.0, 1.0, size=10)
    s_c = _off_the_kink(s, rng.normal(0.5, 1.0, size=10))
    _hinge_check(student, reference, s, s_c, "random scores (some windows active, some not)")


@weight(1.5)
def test_hinge_gradient_is_zero_at_the_kink(student, reference):
    # margin + s_c - s is exactly 0 in examples 0, 2 and 4 whatever the order of the operations (dyadic values).
    s = np.array([1.5, 0.25, 2.0, 3.0, 0.75, -1.0])
    s_c = np.array([0.5, 1.0, 1.0, 0.0, -0.25, 0.5])
    at_or_above = ((1.0 + s_c - s) >= 0) / len(s)
    hint = "at the kink (margin + s_c - s == 0) the gradient is 0: activate only where it is > 0, not >= 0"
    _hinge_check(student, reference, s, s_c, "scores at the kink (margin + s_c - s == 0)",
                 extra_hints={"ds": {hint: -at_or_above}, "ds_c": {hint: at_or_above}})


def test_hinge_margin_argument(student, reference, rng):
    s = rng.normal(1.0, 1.0, size=8)
    s_c = _off_the_kink(s, _off_the_kink(s, rng.normal(0.5, 1.0, size=8), 0.5), 2.5)
    _hinge_check(student, reference, s, s_c, "margin=0.5", margin=0.5)
    _hinge_check(student, reference, s, s_c, "margin=2.5 (given positionally)", margin=2.5, positional=True)


@weight(0.5)
def test_hinge_does_not_modify_inputs(student, reference, rng):
    s = rng.normal(1.0, 1.0, size=6)
    s_c = _off_the_kink(s, rng.normal(0.5, 1.0, size=6))
    originals = s.copy(), s_c.copy()
    _hinge_check(student, reference, s, s_c, "random scores")
    check_unchanged(originals[0], s, "hinge_loss(s, s_c)")
    check_unchanged(originals[1], s_c, "hinge_loss(s, s_c)")


def test_views(student, reference, rng):
    """Real code passes views: transposed and strided logits, Fortran-ordered batches, scores sliced with a step."""
    z = (2.0 * rng.standard_normal((4, 10))).T[::2]                      # (5, 4): transposed, every other row
    expected = reference.softmax(z)
    check_close(student.softmax(z), expected, what="softmax(z) for a transposed, strided z (x.T[::2], shape (5, 4))",
                inputs=(z,), mistakes=_softmax_mistakes(z))
    logits = np.asfortranarray(2.0 * rng.standard_normal((6, 3)))       # (6, 3), Fortran-ordered
    y = rng.integers(0, 3, size=12)[::2]                                  # (6,), a slice with a step
    _ce_check(student, reference, logits, y, "Fortran-ordered logits of shape (6, 3) and y = labels[::2]")
    scores = rng.normal(1.0, 1.0, size=(2, 16))
    s = scores[0, ::2]                                                    # (8,), strided
    corrupt = np.zeros(16)
    corrupt[1::2] = _off_the_kink(s, scores[1, ::2] - 0.5)
    _hinge_check(student, reference, s, corrupt[1::2], "scores that are slices with a step (s = a[::2])")
