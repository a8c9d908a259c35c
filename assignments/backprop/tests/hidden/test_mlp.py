"""Hidden tests of the two-layer network (spec: backprop.md).

Values are compared with the reference on the same inputs. Shapes: a
non-square case (N=5, D=4, H=6, C=3), where transposed weights or gradients
fail on their shapes, and a square one (D = H = C = 4), where they run and
give wrong values.

What each test is there to catch (see tests/catalogue/backprop/wrong/):
a missing bias, an unsupported activation, no ValueError for an unknown
one, the activation's derivative taken at the wrong point (sigmoid'(h)
instead of sigmoid'(a)), bias gradients averaged instead of summed or not
reduced over the batch, transposed gradients, the regularisation mistakes
(on the biases too, without the 0.5, missing from the gradient, the
Frobenius norm instead of its square), inputs modified in place; views
(a Fortran-ordered X, a transposed W1, a strided b1) as real code passes.

The loss is compared with the reference; every gradient in grads with the
grader's central differences of the REFERENCE loss with respect to that
parameter (support.py: h = 1e-5, bound 1e-7, pre-activations kept 1e-3 off
relu's kink), never with the reference's gradients.
"""
import functools

import numpy as np
import pytest

from autograder.testing import CheckFailed, check_close, check_gradient, check_scalar, check_unchanged, \
    expect_raises, weight
from support import BOUND_64, KINK_GAP, loss_gradient

NON_SQUARE = (5, 4, 6, 3)   # N, D, H, C
SQUARE = (6, 4, 4, 4)
KEYS = ("W1", "b1", "W2", "b2")


def _problem(rng, dims):
    n, d, h, c = dims
    X = rng.standard_normal((n, d))
    y = rng.integers(0, c, size=n)
    y[:c] = np.arange(c)[: min(c, n)]                                     # every class present
    params = {"W1": 0.7 * rng.standard_normal((d, h)), "b1": 0.5 * rng.standard_normal(h),
              "W2": 0.7 * rng.standard_normal((h, c)), "b2": 0.5 * rng.standard_normal(c)}
    # Off relu's kink: every pre-activation at least KINK_GAP from 0, far more than a step h moves it
    # (h * max|X| < 5e-5), so the numerical gradient of a relu network is that of one linear piece.
    for _ in range(100):
        near = np.abs(X @ params["W1"] + params["b1"]) < KINK_GAP                  # (N, H)
        if not near.any():
            break
        params["b1"] = params["b1"] + 2 * KINK_GAP * near.any(axis=0)
    return X, y, params


def _sig(v):
    return 1.0 / (1.0 + np.exp(-v))


def _act(a, activation):
    return {"sigmoid": _sig, "tanh": np.tanh, "relu": lambda v: np.maximum(v, 0.0)}[activation](a)


def _deriv(a, activation):
    if activation == "sigmoid":
        return _sig(a) * (1 - _sig(a))
    if activation == "tanh":
        return 1 - np.tanh(a) ** 2
    return (a > 0).astype(float)


def _variant(reference, X, y, params, activation, reg, deriv_at_h=False, bias_mean=False, reg_bias=False,
             reg_grad=1.0, reg_loss="half", transpose=False):
    """Loss and grads computed the spec's way, or with one known mistake switched on."""
    W1, b1, W2, b2 = (params[k] for k in KEYS)
    a1 = X @ W1 + b1                                                      # (N, H)
    h1 = _act(a1, activation)                                             # (N, H)
    data_loss, dscores = reference.softmax_cross_entropy(h1 @ W2 + b2, y)  # (N, C)
    dh = _deriv(h1 if deriv_at_h else a1, activation)
    da1 = (dscores @ W2.T) * dh                                           # (N, H)
    n = X.shape[0]
    grads = {"W1": X.T @ da1 + reg_grad * reg * W1, "b1": da1.sum(axis=0), "W2": h1.T @ dscores + reg_grad * reg * W2,
             "b2": dscores.sum(axis=0)}
    if bias_mean:
        grads["b1"], grads["b2"] = grads["b1"] / n, grads["b2"] / n
    if reg_bias:
        grads["b1"], grads["b2"] = grads["b1"] + reg * b1, grads["b2"] + reg * b2
    if transpose:
        grads["W1"], grads["W2"] = (da1.T @ X) + reg * W1.T, (dscores.T @ h1) + reg * W2.T
    squares = np.sum(W1 ** 2) + np.sum(W2 ** 2)
    penalty = {"half": 0.5 * reg * squares, "full": reg * squares,
               "frobenius": reg * (np.linalg.norm(W1) + np.linalg.norm(W2))}[reg_loss]
    if reg_bias:
        penalty += 0.5 * reg * (np.sum(b1 ** 2) + np.sum(b2 ** 2))
    return data_loss + penalty, grads


def _hints(reference, X, y, params, activation, reg):
    """For the loss and each gradient: {hint: the value a known mistake gives}."""
    def run(**kw):
        return _variant(reference, X, y, params, activation, reg, **kw)

    loss_hints, grad_hints = {}, {k: {} for k in KEYS}
    if activation != "relu":                                              # relu'(h) == relu'(a): no such mistake
        wrong = run(deriv_at_h=True)[1]
        hint = (f"the derivative of {activation} must be evaluated at the pre-activation a1 = X @ W1 + b1, "
                "not at h1 = act(a1) (your values look like act'(h1))")
        for k in ("W1", "b1"):
            grad_hints[k][hint] = wrong[k]
    wrong = run(bias_mean=True)[1]
    for k in ("b1", "b2"):
        grad_hints[k]["sum the bias gradient over the batch: the 1/N is already in dscores, so averaging "
                      "divides by N twice"] = wrong[k]
    if reg > 0:
        loss_hints["the penalty is 0.5 * reg * (sum(W1**2) + sum(W2**2)): the 0.5 is missing"] = run(reg_loss="full")[0]
        loss_hints["the penalty uses the SQUARED norms: 0.5 * reg * (sum(W1**2) + sum(W2**2))"] = \
            run(reg_loss="frobenius")[0]
        loss, wrong = run(reg_bias=True)
        loss_hints["biases are not regularized"] = loss
        for k in ("b1", "b2"):
            grad_hints[k]["biases are not regularized: no reg term in the bias gradients"] = wrong[k]
        for factor, hint in ((0.0, "the gradient of 0.5 * reg * sum(W**2) is reg * W: it is missing from grads"),
                             (2.0, "the gradient of 0.5 * reg * sum(W**2) is reg * W, not 2 * reg * W")):
            wrong = run(reg_grad=factor)[1]
            for k in ("W1", "W2"):
                grad_hints[k][hint] = wrong[k]
    wrong = run(transpose=True)[1]
    for k in ("W1", "W2"):
        grad_hints[k][f"grads[{k!r}] is transposed: it must have the shape of params[{k!r}] with the same layout "
                      f"(for W1: X.T @ da1)"] = wrong[k]
    return loss_hints, grad_hints


def _loss_and_grads(student, X, y, params, activation, reg, where):
    result = student.mlp_loss_and_grads(X, y, params, activation, reg)
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise CheckFailed(f"mlp_loss_and_grads ({where}) should return a tuple (loss, grads)")
    loss, grads = result
    if not isinstance(grads, dict):
        raise CheckFailed(f"mlp_loss_and_grads ({where}) should return grads as a dict, got {type(grads).__name__}")
    missing = [k for k in KEYS if k not in grads]
    if missing:
        raise CheckFailed(f"grads from mlp_loss_and_grads ({where}) has no key {missing[0]!r}; it needs the keys of "
                          "params: W1, b1, W2, b2")
    return check_scalar(loss, f"the loss of mlp_loss_and_grads ({where})"), grads


def numerical_grads(reference, X, y, params, activation, reg):
    """{key: central differences of the reference's loss with respect to params[key]} (float64, h = 1e-5)."""
    def loss_of(key):
        return lambda v: reference.mlp_loss_and_grads(X, y, {**params, key: v}, activation, reg)[0]

    return {k: loss_gradient(loss_of(k), params[k]) for k in KEYS}


def _check_loss_and_grads(student, reference, X, y, params, activation, reg, where):
    ref_loss, _ = reference.mlp_loss_and_grads(X, y, params, activation, reg)   # before the student's call
    numeric = numerical_grads(reference, X, y, params, activation, reg)
    # The hints cost a forward and backward pass per known mistake: worked out only when a check fails, from
    # copies taken before the student's call (a call that changes X or params in place changes them here too).
    hints = functools.cache(functools.partial(_hints, reference, np.copy(X), np.copy(y),
                                              {k: np.copy(v) for k, v in params.items()}, activation, reg))
    loss, grads = _loss_and_grads(student, X, y, params, activation, reg, where)
    check_close(loss, ref_loss, what=f"the loss of mlp_loss_and_grads ({where})", inputs=(X,),
                mistakes=lambda: hints()[0])
    for k in ("W2", "b2", "W1", "b1"):                  # backward order: the first failure is the earliest mistake
        check_gradient(grads[k], numeric[k], f"grads[{k!r}] ({where})", BOUND_64, lambda k=k: hints()[1][k])


def _dims(dims):
    return "N={}, D={}, H={}, C={}".format(*dims)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
@pytest.mark.parametrize("dims", [NON_SQUARE, SQUARE], ids=["nonsquare", "square"])
def test_forward(student, reference, rng, activation, dims):
    X, _, params = _problem(rng, dims)
    W1, b1, W2, b2 = (params[k] for k in KEYS)
    a1 = X @ W1 + b1
    hints = {"the hidden layer's bias b1 is missing": _act(X @ W1, activation) @ W2 + b2,
             "the output bias b2 is missing": _act(a1, activation) @ W2,
             "the activation is missing: scores = act(X @ W1 + b1) @ W2 + b2": a1 @ W2 + b2}
    if dims == SQUARE:
        hints["the weights are (D_in, D_out) and used as X @ W, not X @ W.T"] = \
            _act(X @ W1.T + b1, activation) @ W2.T + b2
    expected = reference.mlp_forward(X, params, activation)
    check_close(student.mlp_forward(X, params, activation), expected,
                what=f"mlp_forward(X, params, {activation!r}) with {_dims(dims)}", inputs=(X,), mistakes=hints)


@weight(0.5)
def test_forward_default_activation_is_sigmoid(student, reference, rng):
    X, _, params = _problem(rng, NON_SQUARE)
    expected = reference.mlp_forward(X, params, "sigmoid")
    check_close(student.mlp_forward(X, params), expected,
                what="mlp_forward(X, params) with the default activation (sigmoid)", inputs=(X,))


def test_unknown_activation_raises_value_error(student, rng):
    X, y, params = _problem(rng, NON_SQUARE)
    for bad in ("softplus", "leaky_relu"):
        expect_raises("ValueError", student.mlp_forward, X, params, bad,
                      what=f"mlp_forward(X, params, {bad!r}) (an unknown activation)")
        expect_raises("ValueError", student.mlp_loss_and_grads, X, y, params, bad, 0.0,
                      what=f"mlp_loss_and_grads(X, y, params, {bad!r}) (an unknown activation)")


@weight(2)
@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_loss_and_grads_no_reg(student, reference, rng, activation):
    X, y, params = _problem(rng, NON_SQUARE)
    _check_loss_and_grads(student, reference, X, y, params, activation, 0.0,
                          f"activation={activation!r}, reg=0, {_dims(NON_SQUARE)}")


@weight(2)
@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_loss_and_grads_with_reg(student, reference, rng, activation):
    X, y, params = _problem(rng, NON_SQUARE)
    _check_loss_and_grads(student, reference, X, y, params, activation, 0.3,
                          f"activation={activation!r}, reg=0.3, {_dims(NON_SQUARE)}")


@weight(2)
@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_loss_and_grads_square_layers(student, reference, rng, activation):
    X, y, params = _problem(rng, SQUARE)
    _check_loss_and_grads(student, reference, X, y, params, activation, 0.1,
                          f"activation={activation!r}, reg=0.1, {_dims(SQUARE)}")


def test_default_activation_and_reg(student, reference, rng):
    X, y, params = _problem(rng, NON_SQUARE)
    ref_loss, _ = reference.mlp_loss_and_grads(X, y, params, "sigmoid", 0.0)
    result = student.mlp_loss_and_grads(X, y, params)
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise CheckFailed("mlp_loss_and_grads(X, y, params) should return a tuple (loss, grads)")
    check_close(check_scalar(result[0], "the loss of mlp_loss_and_grads(X, y, params)"), ref_loss,
                what="the loss of mlp_loss_and_grads(X, y, params) with the defaults (sigmoid, reg=0)", inputs=(X,))


def test_does_not_modify_inputs(student, reference, rng):
    """Credit for leaving the inputs alone only comes with right results."""
    X, y, params = _problem(rng, NON_SQUARE)
    before = X.copy(), y.copy(), {k: v.copy() for k, v in params.items()}
    ref_scores = reference.mlp_forward(X, params, "tanh")
    ref_loss, _ = reference.mlp_loss_and_grads(X, y, params, "tanh", 0.1)
    scores = student.mlp_forward(X, params, "tanh")
    loss, _ = _loss_and_grads(student, X, y, params, "tanh", 0.1, "activation='tanh', reg=0.1")
    check_close(scores, ref_scores, what="mlp_forward(X, params, 'tanh')", inputs=(X,))
    check_close(loss, ref_loss, what="the loss of mlp_loss_and_grads (activation='tanh', reg=0.1)", inputs=(X,))
    check_unchanged(before[0], X, "mlp_loss_and_grads / mlp_forward (X)")
    check_unchanged(before[1], y, "mlp_loss_and_grads (y)")
    for k in KEYS:
        if k not in params:
            raise CheckFailed(f"mlp_loss_and_grads / mlp_forward removed the key {k!r} from params")
        check_unchanged(before[2][k], params[k], f"mlp_loss_and_grads / mlp_forward (params[{k!r}])")


@weight(2)
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_views(student, reference, rng, activation):
    """Real code passes views: X Fortran-ordered, W1 the transpose of a stored (H, D) matrix, b1 a strided slice."""
    X, y, params = _problem(rng, NON_SQUARE)
    n, d, h, c = NON_SQUARE
    stored = np.zeros((h, 2 * d))
    stored[:, ::2] = params["W1"].T
    bias = np.zeros(2 * h)
    bias[1::2] = params["b1"]
    views = {**params, "W1": stored[:, ::2].T, "b1": bias[1::2]}                 # (D, H) and (H,), both views
    X = np.asfortranarray(X)
    where = f"activation={activation!r}, reg=0.1, X Fortran-ordered, W1 and b1 strided views"
    expected = reference.mlp_forward(X, params, activation)
    check_close(student.mlp_forward(X, views, activation), expected, what=f"mlp_forward ({where})", inputs=(X,))
    _check_loss_and_grads(student, reference, X, y, views, activation, 0.1, where)
