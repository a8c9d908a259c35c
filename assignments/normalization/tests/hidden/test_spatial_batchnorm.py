"""Hidden tests of spatial_batchnorm_forward and spatial_batchnorm_backward (spec: normalization.md).

Feature maps have distinct N, C, H and W, and every channel its own mean and
spread, so a reshape that mixes axes or statistics over the wrong axes
show. Forward values and running statistics are compared with the reference,
gradients with the grader's central differences of f = sum(out * dout)
through the reference forward pass, each gradient in a test of its own.

What each test is there to catch (see tests/catalogue/normalization/wrong/):
reshaping (N, C, H, W) to (-1, C) without moving C last first (the classic
bug), or reshaping the result back without transposing; statistics per
(C, H, W) position or per sample and channel; running statistics stored
with a shape other than (C,); test mode ignored or bn_param written; a bad
mode accepted; inputs modified in place. What real code meets: feature maps
stored channels-last and seen through a transpose, or Fortran-ordered
(writing the result through out.reshape(...) of an array made like x then
writes into a copy), and two layers in flight (forward 1, forward 2,
backward 2, backward 1).

Gradients are compared by check_gradient (bounds in support.py).
"""
import copy

import numpy as np
import pytest

from autograder.testing import CheckFailed, check_close, check_unchanged, expect_raises, weight
from public_support import RESHAPE_MIXES_CHANNELS
from support import IN_FLIGHT_HINT, TEST_MODE_USES_BATCH, check_grad, forward, in_flight, stored, student_grads, \
    true_grad

NAMES = ("dx", "dgamma", "dbeta")

SHAPE = (2, 3, 4, 5)   # N, C, H, W


def _case(rng, shape=SHAPE, dtype=np.float64):
    """x (N, C, H, W) with a different mean and spread per channel; gamma, beta (C,); dout like x."""
    n, c, h, w = shape
    loc = rng.uniform(-2.0, 2.0, size=(1, c, 1, 1))
    spread = rng.uniform(0.5, 2.0, size=(1, c, 1, 1))
    x = loc + spread * rng.standard_normal(shape) + 0.3 * rng.standard_normal((1, 1, h, w))
    gamma = rng.uniform(0.5, 1.5, size=c) * rng.choice([-1.0, 1.0], size=c)
    beta = rng.standard_normal(c)
    dout = rng.standard_normal(shape)
    return tuple(a.astype(dtype) for a in (x, gamma, beta, dout))


def _dims(shape):
    return "N={}, C={}, H={}, W={}".format(*shape)


def _bn_rows(rows, gamma, beta, eps=1e-5):
    mu, var = rows.mean(axis=0), rows.var(axis=0)
    return gamma * (rows - mu) / np.sqrt(var + eps) + beta


def _forward_hints(x, gamma, beta, eps=1e-5):
    x = np.asarray(x, dtype=np.float64)
    n, c, h, w = x.shape
    g, b = gamma.reshape(1, c, 1, 1), beta.reshape(1, c, 1, 1)

    def norm(axes):
        mu, var = x.mean(axis=axes, keepdims=True), x.var(axis=axes, keepdims=True)
        return g * (x - mu) / np.sqrt(var + eps) + b

    return {
        RESHAPE_MIXES_CHANNELS: _bn_rows(x.reshape(-1, c), gamma, beta, eps).reshape(x.shape),
        "the statistics must be per channel over N, H and W; yours look like one mean per (C, H, W) position "
        "(over the batch axis only)": norm((0,)),
        "the statistics must be per channel over N, H and W; yours look like per-sample statistics "
        "(over H and W only)": norm((2, 3)),
        "the rows must be put back in place: reshape to (N, H, W, C), then transpose to (N, C, H, W)":
            _bn_rows(x.transpose(0, 2, 3, 1).reshape(-1, c), gamma, beta, eps).reshape(x.shape),
    }


@weight(3)
@pytest.mark.parametrize("shape", [SHAPE, (1, 4, 3, 2), (3, 2, 5, 3)], ids=["2x3x4x5", "1x4x3x2", "3x2x5x3"])
def test_train_values(student, reference, rng, shape):
    x, gamma, beta, _ = _case(rng, shape)
    what = f"spatial_batchnorm_forward in train mode, {_dims(shape)}"
    expected, _ = reference.spatial_batchnorm_forward(x, gamma, beta, {"mode": "train"})
    out, _ = forward(student.spatial_batchnorm_forward, x, gamma, beta, {"mode": "train"}, what)
    check_close(out, expected, what=what, inputs=(x,), mistakes=_forward_hints(x, gamma, beta))


@weight(2)
def test_running_statistics(student, reference, rng):
    n, c, h, w = SHAPE
    batches = [_case(rng)[0] for _ in range(3)]
    _, gamma, beta, _ = _case(rng)
    bn = {"mode": "train", "momentum": 0.8}
    expected = copy.deepcopy(bn)
    what = f"3 training steps from bn_param = {{'mode': 'train', 'momentum': 0.8}}, {_dims(SHAPE)}"
    for x in batches:
        reference.spatial_batchnorm_forward(x, gamma, beta, expected)
        forward(student.spatial_batchnorm_forward, x, gamma, beta, bn, f"spatial_batchnorm_forward ({what})")

    def run(rows_of):
        m, v = np.zeros(c), np.ones(c)
        for x in batches:
            rows = rows_of(x)
            m, v = 0.8 * m + 0.2 * rows.mean(axis=0), 0.8 * v + 0.2 * rows.var(axis=0)
        return m, v

    wrong = run(lambda x: x.reshape(-1, c))
    hint = "x.reshape(-1, C) mixes channels and positions: move C last first, x.transpose(0, 2, 3, 1).reshape(-1, C)"
    for i, key in enumerate(("running_mean", "running_var")):
        check_close(stored(bn, key, what, c), expected[key], what=f"bn_param[{key!r}] after {what}",
                    inputs=(batches[0],), mistakes={hint: wrong[i]})


@weight(2)
def test_test_mode(student, reference, rng):
    n, c, h, w = SHAPE
    x, gamma, beta, _ = _case(rng)
    rm, rv = rng.standard_normal(c), rng.uniform(0.5, 2.0, size=c)
    bn = {"mode": "test", "running_mean": rm.copy(), "running_var": rv.copy(), "eps": 1e-3}
    before = copy.deepcopy(bn)
    what = f"spatial_batchnorm_forward in test mode with running statistics of shape ({c},), {_dims(SHAPE)}"
    expected, _ = reference.spatial_batchnorm_forward(x, gamma, beta, copy.deepcopy(bn))
    out, _ = forward(student.spatial_batchnorm_forward, x, gamma, beta, bn, what)
    hints = {TEST_MODE_USES_BATCH:
             reference.spatial_batchnorm_forward(x, gamma, beta, {"mode": "train", "eps": 1e-3})[0]}
    check_close(out, expected, what=what, inputs=(x,), mistakes=hints)
    if set(bn) != set(before) or any(not np.array_equal(np.asarray(bn[k]), before[k])
                                     for k in ("running_mean", "running_var")):
        raise CheckFailed("spatial_batchnorm_forward in test mode changed bn_param; the running statistics are "
                          "updated in train mode only")


# Parametrized by name: the grader's parametrize expansion does not take dict values.
BAD_PARAMS = {"no mode": {}, "eval": {"mode": "eval"}}


@pytest.mark.parametrize("case", list(BAD_PARAMS), ids=list(BAD_PARAMS))
def test_bad_mode_raises_value_error(student, rng, case):
    x, gamma, beta, _ = _case(rng)
    bn_param = dict(BAD_PARAMS[case])
    expect_raises("ValueError", student.spatial_batchnorm_forward, x, gamma, beta, bn_param,
                  what=f"spatial_batchnorm_forward(x, gamma, beta, {bn_param!r}) (a missing or unknown mode)")


def test_float32(student, reference, rng):
    shape = (3, 2, 3, 4)
    x, gamma, beta, _ = _case(rng, shape, dtype=np.float32)
    for mode in ("train", "test"):
        bn = {"mode": mode, "running_mean": np.full(2, 0.5, np.float32), "running_var": np.full(2, 2.0, np.float32)}
        what = f"spatial_batchnorm_forward in {mode} mode for float32 inputs, {_dims(shape)}"
        expected, _ = reference.spatial_batchnorm_forward(x, gamma, beta, copy.deepcopy(bn))
        out, _ = forward(student.spatial_batchnorm_forward, x, gamma, beta, bn, what)
        check_close(out, expected, what=what, inputs=(x,))


GRAD_CASES = {"2x3x4x5": dict(shape=SHAPE, dtype=np.float64), "1x4x3x2": dict(shape=(1, 4, 3, 2), dtype=np.float64),
              "float32,3x2x3x4": dict(shape=(3, 2, 3, 4), dtype=np.float32)}


def _grad_hints(x, gamma, dout):
    x, gamma, dout = (np.asarray(a, dtype=np.float64) for a in (x, gamma, dout))
    n, c, h, w = x.shape
    rows = x.transpose(0, 2, 3, 1).reshape(-1, c)
    drows = dout.transpose(0, 2, 3, 1).reshape(-1, c)
    inv_std = 1.0 / np.sqrt(rows.var(axis=0) + 1e-5)
    x_hat = (rows - rows.mean(axis=0)) * inv_std
    dx_hat = drows * gamma
    dx_rows = inv_std * (dx_hat - dx_hat.mean(axis=0) - x_hat * (dx_hat * x_hat).mean(axis=0))
    return {
        "dx": {"dx must be put back in place: reshape the (N*H*W, C) rows to (N, H, W, C), then transpose to "
               "(N, C, H, W)": dx_rows.reshape(x.shape)},
        "dgamma": {}, "dbeta": {},
    }


def _check_grad(student, reference, rng, case, index, name):
    spec = GRAD_CASES[case]
    x, gamma, beta, dout = _case(rng, spec["shape"], spec["dtype"])
    where = f"train mode, {case}"
    grads = student_grads(student, "spatial_batchnorm", x, gamma, beta, dout, {"mode": "train"}, where)
    # h = 1e-5: at most 2e-10 from the exact gradient on these inputs over 50 seeds, inside the tolerances 1e-7 / 1e-4.
    expected = true_grad(reference.spatial_batchnorm_forward, {"mode": "train"}, x, gamma, beta, dout, name)
    value = grads[index]
    what = f"{name} from spatial_batchnorm_backward ({where})"
    c = x.shape[1]
    if name != "dx" and np.shape(value) != (c,) and np.size(value) > c:
        raise CheckFailed(f"{what} has shape {np.shape(value)}; {name} has one entry per channel, shape ({c},): "
                          "sum over N, H and W")
    check_grad(value, expected, what, x, _grad_hints(x, gamma, dout)[name])


@weight(2)
@pytest.mark.parametrize("case", list(GRAD_CASES), ids=list(GRAD_CASES))
def test_dx(student, reference, rng, case):
    _check_grad(student, reference, rng, case, 0, "dx")


@pytest.mark.parametrize("case", list(GRAD_CASES), ids=list(GRAD_CASES))
def test_dgamma(student, reference, rng, case):
    _check_grad(student, reference, rng, case, 1, "dgamma")


@pytest.mark.parametrize("case", list(GRAD_CASES), ids=list(GRAD_CASES))
def test_dbeta(student, reference, rng, case):
    _check_grad(student, reference, rng, case, 2, "dbeta")


def test_does_not_modify_inputs(student, rng):
    x, gamma, beta, dout = _case(rng)
    before = x.copy(), gamma.copy(), beta.copy(), dout.copy()
    for mode in ("train", "test"):
        forward(student.spatial_batchnorm_forward, x, gamma, beta, {"mode": mode},
                f"spatial_batchnorm_forward in {mode} mode")
    _, cache = forward(student.spatial_batchnorm_forward, x, gamma, beta, {"mode": "train"},
                       "spatial_batchnorm_forward")
    student.spatial_batchnorm_backward(dout, cache)
    for name, old, new in zip(("x", "gamma", "beta", "dout"), before, (x, gamma, beta, dout)):
        check_unchanged(old, new, f"spatial_batchnorm_forward / spatial_batchnorm_backward ({name})")


def _numeric(reference, x, gamma, beta, dout):
    """(dx, dgamma, dbeta) by central differences through the reference in train mode, h = 1e-5 as above."""
    return [true_grad(reference.spatial_batchnorm_forward, {"mode": "train"}, x, gamma, beta, dout, name)
            for name in NAMES]


@weight(2)
@pytest.mark.parametrize("layout", ["channels_last", "fortran"])
def test_views(student, reference, rng, layout):
    """Feature maps as real code holds them: stored (N, H, W, C) and transposed to (N, C, H, W), or Fortran-ordered."""
    x, gamma, beta, dout = _case(rng)
    if layout == "channels_last":
        xv, dv = (np.ascontiguousarray(a.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2) for a in (x, dout))
        where = f"train mode, {_dims(SHAPE)}, x and dout stored channels-last (x_nhwc.transpose(0, 3, 1, 2))"
    else:
        xv, dv = np.asfortranarray(x), np.asfortranarray(dout)
        where = f"train mode, {_dims(SHAPE)}, x and dout Fortran-ordered"
    expected, _ = reference.spatial_batchnorm_forward(x, gamma, beta, {"mode": "train"})
    out, _ = forward(student.spatial_batchnorm_forward, xv, gamma, beta, {"mode": "train"},
                     f"spatial_batchnorm_forward ({where})")
    check_close(out, expected, what=f"spatial_batchnorm_forward ({where})", inputs=(x,),
                mistakes=_forward_hints(x, gamma, beta))
    grads = student_grads(student, "spatial_batchnorm", xv, gamma, beta, dv, {"mode": "train"}, where)
    for name, value, numeric in zip(NAMES, grads, _numeric(reference, x, gamma, beta, dout)):
        check_grad(value, numeric, f"{name} from spatial_batchnorm_backward ({where})", x,
                   _grad_hints(x, gamma, dout)[name])


@weight(2)
def test_two_layers_in_flight(student, reference, rng):
    """Layer 1's forward pass, layer 2's, then layer 2's backward pass and layer 1's, as a network runs them."""
    layers = [_case(rng) for _ in range(2)]
    where = "two layers in flight: forward 1, forward 2, backward 2, backward 1"
    grads = in_flight(student, "spatial_batchnorm", layers[0], layers[1], lambda: {"mode": "train"}, where)
    _, wrong_cache = reference.spatial_batchnorm_forward(*layers[1][:3], {"mode": "train"})
    wrong = reference.spatial_batchnorm_backward(layers[0][3], wrong_cache)   # layer 1's dout on layer 2's cache
    for i in (1, 0):
        for k, (name, numeric) in enumerate(zip(NAMES, _numeric(reference, *layers[i]))):
            check_grad(grads[i][k], numeric, f"{name} of layer {i + 1} from spatial_batchnorm_backward ({where})",
                       layers[i][0], {IN_FLIGHT_HINT: wrong[k]} if i == 0 else None)
