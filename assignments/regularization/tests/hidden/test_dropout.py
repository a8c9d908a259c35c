"""Hidden tests of dropout_forward and dropout_backward (spec: regularization.md).

Dropout is random, so these tests never compare with a particular random
stream: an implementation that draws its mask in any correct way (rng.random,
rng.uniform, rng.binomial, rng.choice, float32 or float64 draws) gets full
marks. What is checked:
- exactly: every output element is 0 or x / (1 - p) (the kept values are
  rescaled); test mode and p = 0 return x; the backward pass is dout times the
  forward pass's own mask and scale; shapes, float32 in -> float32 out;
  ValueError for p outside [0, 1); the inputs are not modified in place;
- by statistics: the kept fraction is 1 - p (so E[out] = x: each element
  averages (1 - p) * x / (1 - p) = x), and the mask is independent across
  elements of a row and across rows;
- randomness comes from ``rng`` alone: two generators seeded alike give the
  same output, different seeds give different masks, and two calls with the
  same generator give different masks (the worker process seeds numpy's
  global state once, so code that uses np.random.* or a fresh
  np.random.default_rng() gives different masks for equal seeds);
- the gradient: every dx is compared with the grader's central differences
  of the REFERENCE forward pass with the mask held fixed to the one the
  student's forward pass drew (support.dropout_gradient: h = 1e-3, bound
  1e-7, both explained there);
- what real code meets: x a view (Fortran-ordered, transposed, a slice with
  a step), two dropout layers in flight (forward 1, forward 2, backward 2,
  backward 1: a mask kept in a global serves the wrong layer), and two
  backward passes through one cache (the cache is read, never changed).

False-failure rates. Each statistical check below fails a correct
implementation with probability at most DELTA = 1e-7, and no test makes more
than 3 of them, so a correct submission fails any one test with probability
below 3e-7 < 1e-6.
- Kept fraction K / n, K ~ Binomial(n, 1 - p): Hoeffding's inequality for n
  independent variables in [0, 1], P(|K/n - (1 - p)| >= t) <= 2 exp(-2 n t^2),
  equals DELTA at t = sqrt(ln(2 / DELTA) / (2 n)); for n = 100,000 that is
  t = 0.0092, far below the gap between a keep rate of 1 - p and one of p.
- Independence: split the rows into disjoint pairs (0, 1), (2, 3), ...; the
  events "the masks agree at (2k, j) and (2k + 1, j)" are independent
  Bernoulli(q^2 + (1 - q)^2) with q = 1 - p, so their mean obeys the same
  Hoeffding bound (n = 50,000 pairs: t = 0.013). The same for disjoint pairs
  of columns. A mask shared by all rows, or one value per row, agrees on
  every pair (rate 1 instead of 0.5 at p = 0.5).
- Different seeds, or two calls with one generator, give identical masks on
  n independent elements with probability (q^2 + (1 - q)^2)^n = 0.5^2000.
"""
import numpy as np
import pytest

from autograder.testing import CheckFailed, check_array, check_close, check_gradient, check_unchanged, \
    expect_raises, weight
from support import DROPOUT_BOUND, dropout_gradient, hoeffding_t


def nonzero_input(rng, shape, dtype=np.float64):
    """Inputs with |x| in [0.5, 2] and both signs: a dropped element is exactly the zeros of out."""
    x = rng.uniform(0.5, 2.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    return x.astype(dtype)


def forward(student, x, p, train, rng, what):
    result = student.dropout_forward(x, p, train, rng)
    if not (isinstance(result, (tuple, list)) and len(result) == 2):
        raise CheckFailed(f"{what} must return a pair (out, cache), got a {type(result).__name__}")
    out, cache = result
    return check_array(out, what, shape=x.shape), cache, out


def check_kept_values(out, x, p, what, tol=None):
    """Every element is 0 or x / (1 - p); hints for the usual scale mistakes."""
    kept = out != 0
    q = 1.0 - p
    check_close(out, np.where(kept, x / q, 0.0), what=f"{what}: each element must be 0 or x / (1 - p)",
                tol=tol, inputs=(x,),
                mistakes={"the kept activations are not rescaled: divide them by 1 - p (inverted dropout), so "
                          "that E[out] = x and test mode needs no scaling": np.where(kept, x, 0.0),
                          "the kept activations are multiplied by 1 - p; inverted dropout divides by 1 - p":
                              np.where(kept, x * q, 0.0),
                          "the kept activations are divided by p; p is the probability of DROPPING a unit, so "
                          "the keep probability is 1 - p and kept values are x / (1 - p)": np.where(kept, x / p, 0.0),
                          })
    return kept


def check_keep_rate(kept, p, what):
    n = kept.size
    frac = float(np.mean(kept))
    t = hoeffding_t(n)
    q = 1.0 - p
    if abs(frac - q) < t:
        return
    hint = None
    if frac == 1.0:
        hint = "nothing was dropped in training mode"
    elif abs(frac - p) < t:
        hint = ("p looks like the keep probability rather than the drop probability: drop each element with "
                "probability p (keep it with probability 1 - p)")
    raise CheckFailed(f"{what}: {frac:.4f} of the {n} elements were kept; with p = {p} the kept fraction must be "
                      f"1 - p = {q:g} (allowed: {q - t:.4f} to {q + t:.4f})", hint=hint)


@weight(3)
@pytest.mark.parametrize("p", [0.25, 0.7])
def test_train_mode_keep_rate_and_rescaling(student, rng, p):
    x = nonzero_input(rng, (400, 250))                             # (400, 250): n = 100,000
    what = f"dropout_forward(x, p={p}, train=True) on a (400, 250) array"
    out, _, _ = forward(student, x, p, True, np.random.default_rng(rng.integers(2**63)), what)
    kept = check_kept_values(out, x, p, what)
    check_keep_rate(kept, p, what)


def _agreement(a, b):
    return float(np.mean(a == b)), a.size


@weight(2)
def test_mask_independent_across_elements_and_rows(student, rng):
    p = 0.5
    x = nonzero_input(rng, (400, 250))                             # (400, 250)
    what = "dropout_forward(x, p=0.5, train=True) on a (400, 250) array"
    out, _, _ = forward(student, x, p, True, np.random.default_rng(rng.integers(2**63)), what)
    kept = out != 0
    check_keep_rate(kept, p, what)
    expected = p ** 2 + (1 - p) ** 2                               # P(two independent elements agree) = 0.5
    for label, a, b, hint in (
            ("pairs of rows", kept[0::2], kept[1::2],
             "the rows share one mask: draw an independent mask element for every element of x "
             "(a mask of shape x.shape, not x.shape[1:])"),
            ("pairs of columns", kept[:, 0::2], kept[:, 1::2],
             "whole rows are kept or dropped together: draw one mask value per element, not per row")):
        rate, n = _agreement(a, b)
        t = hoeffding_t(n)
        if abs(rate - expected) >= t:
            raise CheckFailed(f"{what}: the mask agrees on {rate:.3f} of {n} disjoint {label}; independent "
                              f"elements agree on {expected:g} of them (allowed: {expected - t:.3f} to "
                              f"{expected + t:.3f})", hint=hint if rate > 0.99 else None)


@weight(2)
def test_randomness_comes_from_rng_only(student, rng):
    x = nonzero_input(rng, (40, 50))                               # (40, 50): 2,000 elements
    what = "dropout_forward(x, p=0.5, train=True)"
    first = forward(student, x, 0.5, True, np.random.default_rng(2024), what)[0]
    again = forward(student, x, 0.5, True, np.random.default_rng(2024), what)[0]
    if not np.array_equal(first, again):
        raise CheckFailed(f"{what} gave different outputs for two generators seeded alike: draw the mask from "
                          "the rng argument only (not from np.random.rand, np.random.binomial or a new "
                          "np.random.default_rng())")
    other = forward(student, x, 0.5, True, np.random.default_rng(7), what)[0]
    if np.array_equal(first != 0, other != 0):
        raise CheckFailed(f"{what} gave the same mask for generators with different seeds: the mask must come "
                          "from the rng argument (is a generator with a fixed seed created inside the function?)")
    g = np.random.default_rng(99)
    one = forward(student, x, 0.5, True, g, what)[0]
    two = forward(student, x, 0.5, True, g, what)[0]
    if np.array_equal(one != 0, two != 0):
        raise CheckFailed(f"two successive calls of {what} with the same generator gave the same mask: draw from "
                          "rng itself (not from a copy of it), so that every training step gets a fresh mask")


def test_test_mode_is_identity(student, rng):
    for shape, p in (((6, 7), 0.5), ((3, 4, 5), 0.8), ((9,), 0.1)):
        x = nonzero_input(rng, shape)
        what = f"dropout_forward(x, p={p}, train=False) on a {shape} array"
        out, _, _ = forward(student, x, p, False, np.random.default_rng(5), what)
        q = 1.0 - p
        check_close(out, x, what=what + " (test mode returns x)", inputs=(x,),
                    mistakes={"in test mode inverted dropout returns x unchanged: the scaling by 1 / (1 - p) "
                              "happens in training, so nothing is multiplied by 1 - p at test time": x * q,
                              "in test mode inverted dropout returns x unchanged, without dividing by 1 - p": x / q,
                              "units are dropped in test mode: dropout is active only when train is True":
                                  np.zeros_like(x)})


def test_p_zero_is_identity(student, reference, rng):
    x = nonzero_input(rng, (50, 40))                               # (50, 40)
    dout = rng.standard_normal((50, 40))
    for train in (True, False):
        what = f"dropout_forward(x, p=0.0, train={train})"
        out, cache, _ = forward(student, x, 0.0, train, np.random.default_rng(3), what)
        check_close(out, x, what=what + " (p = 0 drops nothing)", inputs=(x,))
        dx = student.dropout_backward(dout, cache)
        check_gradient(dx, dropout_gradient(reference, x, 0.0, train, np.ones(x.shape, bool), dout),
                       f"dropout_backward(dout, cache) after {what}", DROPOUT_BOUND)


@weight(2)
@pytest.mark.parametrize("p", [0.3, 0.6])
def test_backward_reuses_forward_mask_and_scale(student, reference, rng, p):
    x = nonzero_input(rng, (100, 80))                              # (100, 80)
    dout = nonzero_input(rng, (100, 80))                           # non-zero: dx's zeros show the mask used
    what = f"dropout_forward(x, p={p}, train=True)"
    out, cache, _ = forward(student, x, p, True, np.random.default_rng(rng.integers(2**63)), what)
    kept = check_kept_values(out, x, p, what)
    q = 1.0 - p
    dx = check_array(student.dropout_backward(dout, cache), "dropout_backward(dout, cache)", shape=dout.shape)
    expected = dropout_gradient(reference, x, p, True, kept, dout)
    mistakes = {"the gradient is not rescaled: backward multiplies by the same 1 / (1 - p) as the forward pass":
                np.where(kept, dout, 0.0),
                "the gradient must be 0 where the forward pass dropped the unit: multiply by the forward mask":
                dout / q,
                "the gradient is divided by 1 - p twice (is the mask in cache already scaled?)":
                np.where(kept, dout / q ** 2, 0.0),
                "the gradient is multiplied by 1 - p; it must be divided by 1 - p like the forward output":
                np.where(kept, dout * q, 0.0)}
    used = dx != 0                                                 # the mask the backward pass applied
    if not np.array_equal(used, kept) and np.allclose(dx, np.where(used, dout / q, 0.0), rtol=1e-6, atol=0):
        # listed last: a dx without any zeros (no mask at all) is recognised by the hint above first
        mistakes["dropout_backward uses a different mask from the forward pass: keep the forward mask in "
                 "cache and reuse it (do not draw a new one)"] = dx
    check_gradient(dx, expected, f"dropout_backward(dout, cache) after {what}", DROPOUT_BOUND, mistakes)


def test_backward_in_test_mode_is_identity(student, reference, rng):
    x = nonzero_input(rng, (20, 30))
    dout = rng.standard_normal((20, 30))
    what = "dropout_forward(x, p=0.5, train=False)"
    _, cache, _ = forward(student, x, 0.5, False, np.random.default_rng(4), what)
    check_gradient(student.dropout_backward(dout, cache), dropout_gradient(reference, x, 0.5, False, None, dout),
                   f"dropout_backward(dout, cache) after {what}", DROPOUT_BOUND,
                   mistakes={"in test mode the forward pass is the identity, so its gradient is dout unchanged "
                             "(no factor 1 - p)": dout * 0.5})


@weight(1.5)
def test_float32_stays_float32(student, rng):
    x = nonzero_input(rng, (200, 150), np.float32)                 # (200, 150) float32
    p = 0.4
    for train in (True, False):
        what = f"dropout_forward(x, p={p}, train={train}) for float32 x"
        arr, _, out = forward(student, x, p, train, np.random.default_rng(rng.integers(2**63)), what)
        dtype = np.asarray(out).dtype
        if dtype != np.float32:
            raise CheckFailed(f"{what} returned {dtype}, expected float32 (out has the dtype of x)",
                              hint="a float64 mask or scale factor upcasts the result; build the mask in x's dtype, "
                                   "e.g. mask.astype(x.dtype)")
        if train:
            kept = check_kept_values(arr, x.astype(np.float64), p, what, tol=1e-4)
            check_keep_rate(kept, p, what)
        else:
            check_close(arr, x, what=what + " (test mode returns x)", inputs=(x,))


@pytest.mark.parametrize("shape", [(6000,), (10, 20, 30)])
def test_any_shape(student, reference, rng, shape):
    p = 0.4
    x = nonzero_input(rng, shape)
    what = f"dropout_forward(x, p={p}, train=True) on a {len(shape)}-d array of shape {shape}"
    out, cache, _ = forward(student, x, p, True, np.random.default_rng(rng.integers(2**63)), what)
    kept = check_kept_values(out, x, p, what)
    check_keep_rate(kept, p, what)
    dout = nonzero_input(rng, shape)
    dx = student.dropout_backward(dout, cache)
    check_gradient(dx, dropout_gradient(reference, x, p, True, kept, dout),
                   f"dropout_backward(dout, cache) after {what}", DROPOUT_BOUND)


@pytest.mark.parametrize("p", [1.0, 1.5, -0.1])
def test_invalid_p_raises(student, p):
    x = np.ones((3, 4))
    expect_raises("ValueError", student.dropout_forward, x, p, True, np.random.default_rng(0),
                  what=f"dropout_forward(x, p={p}, train=True)")


@weight(0.5)
def test_invalid_p_raises_in_test_mode_too(student):
    x = np.ones((3, 4))
    expect_raises("ValueError", student.dropout_forward, x, 1.2, False, np.random.default_rng(0),
                  what="dropout_forward(x, p=1.2, train=False) (p outside [0, 1) is an error in both modes)")


@weight(0.5)
def test_inputs_not_modified(student, rng):
    x = nonzero_input(rng, (30, 40))
    original = x.copy()
    _, cache, _ = forward(student, x, 0.5, True, np.random.default_rng(8), "dropout_forward(x, p=0.5, train=True)")
    check_unchanged(original, x, "dropout_forward(x, p=0.5, train=True)")
    dout = nonzero_input(rng, (30, 40))
    before = dout.copy()
    student.dropout_backward(dout, cache)
    check_unchanged(before, dout, "dropout_backward(dout, cache)")


VIEW_COPIED = ("a.reshape(-1) and a.ravel() are copies when a is not C-contiguous (np.zeros_like(x) and x / (1 - p) "
               "keep x's memory layout), so writing through them leaves a unchanged: index a itself, a.flat, or "
               "build the mask with x's shape")


def _views(rng):
    base = nonzero_input(rng, (400, 500))                          # (400, 500)
    return [("a Fortran-ordered (400, 250) array", np.asfortranarray(base[:, :250])),
            ("a transposed (250, 400) array (x.T)", np.ascontiguousarray(base[:, :250]).T),
            ("a (400, 250) slice with a step (x[:, ::2])", base[:, ::2])]


@weight(2)
def test_views(student, reference, rng):
    """x as real code passes it: Fortran-ordered, transposed, a slice with a step (100,000 elements each)."""
    p = 0.4
    for label, x in _views(rng):
        what = f"dropout_forward(x, p={p}, train=True) for x {label}"
        out, cache, _ = forward(student, x, p, True, np.random.default_rng(rng.integers(2**63)), what)
        kept = check_kept_values(out, x, p, what)
        try:
            check_keep_rate(kept, p, what)
        except CheckFailed as exc:
            raise CheckFailed(str(exc), hint=VIEW_COPIED if kept.all() or not kept.any() else exc.hint) from None
        dout = np.asfortranarray(nonzero_input(rng, x.shape))
        check_gradient(student.dropout_backward(dout, cache), dropout_gradient(reference, x, p, True, kept, dout),
                       f"dropout_backward(dout, cache) after {what} (dout Fortran-ordered)", DROPOUT_BOUND)


GLOBAL_MASK_HINT = ("layer 1's backward pass used layer 2's mask: keep the mask in the cache that dropout_forward "
                    "returns, not in a global variable or a class attribute shared by every layer")


@weight(2)
def test_two_layers_in_flight(student, reference, rng):
    """Two dropout layers of one network: both forward passes, then both backward passes in reverse order."""
    p = 0.5
    xs = [nonzero_input(rng, (30, 40)) for _ in range(2)]
    douts = [nonzero_input(rng, (30, 40)) for _ in range(2)]
    g = np.random.default_rng(rng.integers(2**63))
    where = "two dropout layers in flight: forward 1, forward 2, backward 2, backward 1"
    runs = [forward(student, x, p, True, g, f"dropout_forward(x, p={p}, train=True), layer {i + 1} ({where})")
            for i, x in enumerate(xs)]
    kept = [check_kept_values(out, x, p, f"dropout_forward, layer {i + 1} ({where})")
            for i, ((out, _, _), x) in enumerate(zip(runs, xs))]
    dx = [None, None]
    for i in (1, 0):
        dx[i] = student.dropout_backward(douts[i], runs[i][1])
    for i in (1, 0):
        wrong = {GLOBAL_MASK_HINT: np.where(kept[1], douts[0] / (1 - p), 0.0)} if i == 0 else None
        check_gradient(dx[i], dropout_gradient(reference, xs[i], p, True, kept[i], douts[i]),
                       f"dropout_backward of layer {i + 1} ({where})", DROPOUT_BOUND, wrong)


def test_backward_twice_with_one_cache(student, reference, rng):
    """Two upstream gradients through one forward pass: the cache is read, never changed."""
    p = 0.3
    x = nonzero_input(rng, (30, 40))
    what = f"dropout_forward(x, p={p}, train=True)"
    out, cache, _ = forward(student, x, p, True, np.random.default_rng(rng.integers(2**63)), what)
    kept = check_kept_values(out, x, p, what)
    for call in range(2):
        dout = nonzero_input(rng, x.shape)
        where = "" if call == 0 else ", a second backward pass with the same cache"
        try:
            check_gradient(student.dropout_backward(dout, cache), dropout_gradient(reference, x, p, True, kept, dout),
                           f"dropout_backward(dout, cache) after {what}{where}", DROPOUT_BOUND)
        except CheckFailed as exc:
            raise CheckFailed(str(exc), hint=exc.hint if call == 0 else
                              "dropout_backward changed its cache (the mask scaled or replaced in place?): a second "
                              "backward pass with the same cache must give the same gradient") from None
