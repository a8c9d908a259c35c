"""Hidden tests of convnet_loss (spec: convolution.md).

The loss is compared with the reference's; every gradient with the
grader's central differences of the REFERENCE loss, one parameter at a time.

Inputs are drawn again until every pre-activation of the ReLU is at least
1e-3 away from 0 and every pooling window with a positive maximum leads the
runner-up by 1e-3: a step h = 1e-5 in a weight moves a pre-activation by at
most ~1e-4, so no difference crosses a kink and the loss is smooth where it
is differentiated. Its truncation error is then ~h**2: over 200 seeds per
case the largest relative error against the exact gradient is 3e-9, inside
the course's 1e-7 (float64) by a factor of 30. float32 inputs get the
course's 1e-4: a network computed in float32 is off by at most 2e-6 here.

What each test is there to catch (see tests/catalogue/convolution/wrong/):
the penalty without its 0.5, on the biases, or missing from the gradients;
the pooled maps flattened channels-last; the ReLU's gradient left out;
a loss summed over the batch; padding that does not keep H and W (for
5 x 5 kernels); every mistake of the layers it is built from; inputs
modified in place (params included).
"""
import numpy as np
import pytest

from autograder.testing import CheckFailed, check_close, check_scalar, numerical_gradient, weight
from support import check_unchanged_all, close, fresh

KEYS = ("W1", "b1", "W2", "b2")
CASES = {
    "N=4, C=1, 6x6, F=2, 3x3, K=3, reg=0": dict(n=4, c=1, h=6, w=6, f=2, hh=3, k=3, reg=0.0),
    "N=3, C=2, 7x6, F=3, 3x3, K=3, reg=0.1": dict(n=3, c=2, h=7, w=6, f=3, hh=3, k=3, reg=0.1),
    "N=2, C=1, 6x5, F=2, 5x5, K=3, reg=0.05": dict(n=2, c=1, h=6, w=5, f=2, hh=5, k=3, reg=0.05),
}
MARGIN = 1e-3


def _problem(reference, rng, n, c, h, w, f, hh, k, reg, dtype=np.float64):
    """X, y, params with no ReLU kink or pooling tie within MARGIN."""
    for _ in range(200):
        X = rng.standard_normal((n, c, h, w)).astype(dtype)
        y = rng.permutation(np.arange(n) % k)
        params = {"W1": 0.5 * rng.standard_normal((f, c, hh, hh)), "b1": 0.1 * rng.standard_normal(f),
                  "W2": 0.5 * rng.standard_normal((f * (h // 2) * (w // 2), k)), "b2": 0.1 * rng.standard_normal(k)}
        params = {key: value.astype(dtype) for key, value in params.items()}
        a1 = reference.conv_forward(X, params["W1"], params["b1"], 1, (hh - 1) // 2)[0]
        r1 = np.maximum(a1, 0.0)[:, :, : h // 2 * 2, : w // 2 * 2]
        windows = r1.reshape(n, f, h // 2, 2, w // 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(n, f, h // 2, w // 2, 4)
        top = np.sort(windows, axis=-1)
        if np.min(np.abs(a1)) >= MARGIN and not np.any((top[..., -1] > 0) & (top[..., -1] - top[..., -2] < MARGIN)):
            return X, y, params
    raise RuntimeError("no input without a kink near it; change the case")   # the grader's own error


def _loss(reference, X, y, params, reg):
    """The loss by the spec through the reference's forward passes (no backward pass: it is differentiated)."""
    W1, W2 = params["W1"], params["W2"]
    a1 = reference.conv_forward(X, W1, params["b1"], 1, (W1.shape[2] - 1) // 2)[0]
    p1 = reference.max_pool_forward(np.maximum(a1, 0.0), 2, 2)[0]
    s = p1.reshape(len(X), -1) @ np.asarray(W2, dtype=np.float64) + params["b2"]
    s = s - s.max(axis=1, keepdims=True)
    log_p = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    return -np.mean(log_p[np.arange(len(X)), y]) + 0.5 * reg * (np.sum(np.square(W1, dtype=np.float64))
                                                                + np.sum(np.square(W2, dtype=np.float64)))


def _variant(reference, X, y, params, reg, flatten_last=False, reg_bias=False, reg_half=True, reg_grad=1.0,
             relu_grad=True, mean=True):
    """Loss and grads computed the spec's way, or with one known mistake switched on."""
    W1, b1, W2, b2 = (np.asarray(params[key], dtype=np.float64) for key in KEYS)
    X = np.asarray(X, dtype=np.float64)
    n = X.shape[0]
    a1, conv_cache = reference.conv_forward(X, W1, b1, 1, (W1.shape[2] - 1) // 2)
    p1, pool_cache = reference.max_pool_forward(np.maximum(a1, 0.0), 2, 2)
    z = (p1.transpose(0, 2, 3, 1) if flatten_last else p1).reshape(n, -1)
    s = z @ W2 + b2
    s = s - s.max(axis=1, keepdims=True)
    log_p = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    squares = np.sum(W1 ** 2) + np.sum(W2 ** 2) + (np.sum(b1 ** 2) + np.sum(b2 ** 2) if reg_bias else 0.0)
    loss = -log_p[np.arange(n), y].sum() / (n if mean else 1) + (0.5 if reg_half else 1.0) * reg * squares
    ds = np.exp(log_p)
    ds[np.arange(n), y] -= 1.0
    ds = ds / n if mean else ds
    dz = ds @ W2.T
    dp = dz.reshape(n, p1.shape[2], p1.shape[3], -1).transpose(0, 3, 1, 2) if flatten_last else dz.reshape(p1.shape)
    dr = reference.max_pool_backward(dp, pool_cache)
    _, dW1, db1 = reference.conv_backward(dr * (a1 > 0) if relu_grad else dr, conv_cache)
    grads = {"W1": dW1 + reg_grad * reg * W1, "b1": db1, "W2": z.T @ ds + reg_grad * reg * W2, "b2": ds.sum(axis=0)}
    if reg_bias:
        grads["b1"], grads["b2"] = grads["b1"] + reg * b1, grads["b2"] + reg * b2
    return loss, grads


def _hints(reference, X, y, params, reg):
    """For the loss and each gradient: {hint: the value a known mistake gives}."""
    def run(**kw):
        return _variant(reference, X, y, params, reg, **kw)

    loss_hints, grad_hints = {}, {key: {} for key in KEYS}
    flatten = ("flatten the pooled maps in C order, P.reshape(N, -1) (f, then i, then j), and undo exactly that "
               "reshape in the backward pass")
    loss, grads = run(flatten_last=True)
    loss_hints[flatten] = loss
    for key in KEYS:
        grad_hints[key][flatten] = grads[key]
    loss_hints["the loss is the MEAN cross-entropy over the batch, not the sum"] = run(mean=False)[0]
    hint = "the ReLU passes the gradient only where its input was positive: multiply by (a1 > 0)"
    grads = run(relu_grad=False)[1]
    grad_hints["W1"][hint], grad_hints["b1"][hint] = grads["W1"], grads["b1"]
    if reg > 0:
        loss_hints["the penalty is 0.5 * reg * (sum(W1**2) + sum(W2**2)): the 0.5 is missing"] = run(reg_half=False)[0]
        loss, grads = run(reg_bias=True)
        loss_hints["biases are not penalised"] = loss
        for key in ("b1", "b2"):
            grad_hints[key]["biases are not penalised: no reg term in their gradients"] = grads[key]
        for factor, hint in ((0.0, "the gradient of 0.5 * reg * sum(W**2) is reg * W: it is missing from grads"),
                             (2.0, "the gradient of 0.5 * reg * sum(W**2) is reg * W, not 2 * reg * W")):
            grads = run(reg_grad=factor)[1]
            for key in ("W1", "W2"):
                grad_hints[key][hint] = grads[key]
    return loss_hints, grad_hints


def _call(student, X, y, params, reg, where, copy=True):
    if copy:
        X, y, params = *fresh(X, y), {key: value.copy() for key, value in params.items()}
    result = student.convnet_loss(X, y, params, reg)
    if not isinstance(result, (tuple, list)) or len(result) != 2 or not isinstance(result[1], dict):
        raise CheckFailed(f"convnet_loss ({where}) should return a tuple (loss, grads) with grads a dict")
    loss, grads = result
    missing = [key for key in KEYS if key not in grads]
    if missing:
        raise CheckFailed(f"grads from convnet_loss ({where}) has no key {missing[0]!r}; it needs the keys of params")
    return check_scalar(loss, f"the loss of convnet_loss ({where})"), grads


def _check_grads(reference, grads, X, y, params, reg, where, hints=None):
    for key in ("W2", "b2", "W1", "b1"):             # backward order: the first failure is the earliest mistake
        def loss_at(value, key=key):
            return _loss(reference, X, y, {**params, key: value}, reg)

        close(grads[key], numerical_gradient(loss_at, params[key]), f"grads[{key!r}] ({where})", (X,),
              (lambda key=key: hints()[key]) if hints else None)


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_loss(student, reference, rng, case):
    spec = CASES[case]
    X, y, params = _problem(reference, rng, **spec)
    loss, _ = _call(student, X, y, params, spec["reg"], case)
    close(loss, reference.convnet_loss(X, y, params, spec["reg"])[0], f"the loss of convnet_loss ({case})", (X,),
          lambda: _hints(reference, X, y, params, spec["reg"])[0])


@weight(3)
@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_grads(student, reference, rng, case):
    spec = CASES[case]
    X, y, params = _problem(reference, rng, **spec)
    _, grads = _call(student, X, y, params, spec["reg"], case)
    _check_grads(reference, grads, X, y, params, spec["reg"], case,
                 lambda: _hints(reference, X, y, params, spec["reg"])[1])


def test_float32(student, reference, rng):
    spec = CASES["N=3, C=2, 7x6, F=3, 3x3, K=3, reg=0.1"]
    X, y, params = _problem(reference, rng, **spec, dtype=np.float32)
    where = "float32 inputs, N=3, C=2, 7x6, F=3, 3x3, K=3, reg=0.1"
    loss, grads = _call(student, X, y, params, 0.1, where)
    check_close(loss, reference.convnet_loss(X, y, params, 0.1)[0], what=f"the loss of convnet_loss ({where})",
                inputs=(X,))
    _check_grads(reference, grads, X, y, params, 0.1, where)


@weight(0.5)
def test_default_reg_is_zero(student, reference, rng):
    spec = CASES["N=4, C=1, 6x6, F=2, 3x3, K=3, reg=0"]
    X, y, params = _problem(reference, rng, **{**spec, "reg": 0.0})
    result = student.convnet_loss(*fresh(X, y), {key: value.copy() for key, value in params.items()})
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise CheckFailed("convnet_loss(X, y, params) should return a tuple (loss, grads)")
    check_close(check_scalar(result[0], "the loss of convnet_loss(X, y, params)"),
                reference.convnet_loss(X, y, params, 0.0)[0],
                what="the loss of convnet_loss(X, y, params) with the default reg=0", inputs=(X,))


def test_does_not_modify_inputs(student, reference, rng):
    """Credit for leaving X, y and params alone only comes with right results."""
    spec = CASES["N=3, C=2, 7x6, F=3, 3x3, K=3, reg=0.1"]
    X, y, params = _problem(reference, rng, **spec)
    before = {"X": X.copy(), "y": y.copy(), **{key: value.copy() for key, value in params.items()}}
    ref_loss, _ = reference.convnet_loss(X, y, params, 0.1)
    loss, grads = _call(student, X, y, params, 0.1, "N=3, C=2, 7x6, F=3, reg=0.1", copy=False)
    check_close(loss, ref_loss, what="the loss of convnet_loss (N=3, C=2, 7x6, F=3, reg=0.1)", inputs=(X,))
    fresh = {key: before[key] for key in KEYS}
    _check_grads(reference, grads, before["X"], before["y"], fresh, 0.1, "N=3, C=2, 7x6, F=3, reg=0.1")
    check_unchanged_all(before, {"X": X, "y": y, **params}, "convnet_loss")
