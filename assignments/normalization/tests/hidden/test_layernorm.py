"""Hidden tests of layernorm_forward and layernorm_backward (spec: normalization.md).

Forward values are compared with the reference; gradients with the grader's
central differences of f = sum(out * dout) through the reference forward
pass, each gradient in a test of its own. Every sample has its own mean and
spread and N != D, so statistics over the batch axis show; a batch of one
sample is included (statistics over the batch make x_hat zero there).

What each test is there to catch (see tests/catalogue/normalization/wrong/):
statistics over the batch axis (batch norm), the unbiased variance, eps
outside the square root or not read from ln_param, ln_param = None or {}
not accepted, a mode required or behaving differently in "train" and
"test"; in the backward pass the batch-norm formula (means over axis 0), a
dx missing a term, dgamma or dbeta summed over the features instead of the
batch; inputs modified in place; views (x Fortran-ordered, dout, gamma and
beta slices with a step) and two layers in flight (forward 1, forward 2,
backward 2, backward 1), as real code passes them.

Gradients are compared by check_gradient (bounds in support.py).
"""
import numpy as np
import pytest

from autograder.testing import CheckFailed, check_close, check_unchanged, weight
from support import DGAMMA_DBETA_SWAPPED, DGAMMA_FROM_X, EPS_OUTSIDE_SQRT, IN_FLIGHT_HINT, check_grad, forward, \
    in_flight, student_grads, true_grad, views

NAMES = ("dx", "dgamma", "dbeta")


def _case(rng, n, d, scale=1.0, dtype=np.float64):
    """x (n, d) with a different mean and spread per sample; gamma, beta (d,); dout (n, d)."""
    loc = rng.uniform(-2.0, 2.0, size=(n, 1))
    x = loc + scale * rng.uniform(0.5, 2.0, size=(n, 1)) * rng.standard_normal((n, d))
    x = x + rng.uniform(-0.5, 0.5, size=d)                     # features differ a little too
    gamma = rng.uniform(0.5, 1.5, size=d) * rng.choice([-1.0, 1.0], size=d)
    beta = rng.standard_normal(d)
    dout = rng.standard_normal((n, d))
    return tuple(a.astype(dtype) for a in (x, gamma, beta, dout))


def _normalize(x, gamma, beta, axis, eps, ddof=0, eps_outside=False):
    x = np.asarray(x, dtype=np.float64)
    mu = x.mean(axis=axis, keepdims=True)
    var = x.var(axis=axis, keepdims=True, ddof=ddof)
    std = np.sqrt(var) + eps if eps_outside else np.sqrt(var + eps)
    return gamma * (x - mu) / std + beta


def _forward_hints(x, gamma, beta, eps):
    hints = {"layer norm takes its statistics per sample, over the D features (axis 1), not over the batch":
             _normalize(x, gamma, beta, 0, eps),
             EPS_OUTSIDE_SQRT: _normalize(x, gamma, beta, 1, eps, eps_outside=True)}
    if x.shape[1] > 1:
        hints["use the biased variance (divide by D, not D - 1)"] = _normalize(x, gamma, beta, 1, eps, ddof=1)
    if eps != 1e-5:
        hints["use ln_param['eps'] when it is given"] = _normalize(x, gamma, beta, 1, 1e-5)
    return hints


@weight(2)
@pytest.mark.parametrize("shape", [(5, 7), (1, 6), (8, 3)], ids=["N=5,D=7", "N=1,D=6", "N=8,D=3"])
def test_forward_values(student, reference, rng, shape):
    x, gamma, beta, _ = _case(rng, *shape)
    ln = {"eps": 1e-5}
    what = f"layernorm_forward(x, gamma, beta, {{'eps': 1e-05}}) with N={shape[0]}, D={shape[1]}"
    expected, _ = reference.layernorm_forward(x, gamma, beta, dict(ln))
    out, _ = forward(student.layernorm_forward, x, gamma, beta, ln, what)
    check_close(out, expected, what=what, inputs=(x,), mistakes=_forward_hints(x, gamma, beta, 1e-5))


# Parametrized by name: the grader's parametrize expansion does not take dict values.
LN_PARAMS = {"None": None, "empty": {}, "eps=0.05": {"eps": 0.05}}


@weight(2)
@pytest.mark.parametrize("case", list(LN_PARAMS), ids=list(LN_PARAMS))
def test_ln_param(student, reference, rng, case):
    """Samples with a spread of 0.01 to 0.04: the default eps = 1e-5 changes the output by 0.3 % to 5 %."""
    ln_param = LN_PARAMS[case]
    x, gamma, beta, _ = _case(rng, 4, 6, scale=0.02)
    what = f"layernorm_forward(x, gamma, beta, {ln_param!r}) for samples with a small variance (N=4, D=6)"
    expected, _ = reference.layernorm_forward(x, gamma, beta, None if ln_param is None else dict(ln_param))
    out, _ = forward(student.layernorm_forward, x, gamma, beta, None if ln_param is None else dict(ln_param), what)
    eps = (ln_param or {}).get("eps", 1e-5)
    check_close(out, expected, what=what, inputs=(x,), mistakes=_forward_hints(x, gamma, beta, eps))


@weight(2)
def test_same_in_train_and_test(student, reference, rng):
    """Layer norm has no running statistics: a mode in ln_param changes nothing."""
    x, gamma, beta, _ = _case(rng, 5, 4)
    expected, _ = reference.layernorm_forward(x, gamma, beta, None)
    for mode in ("train", "test"):
        what = f"layernorm_forward(x, gamma, beta, {{'mode': {mode!r}}}) (layer norm is the same in both modes)"
        out, _ = forward(student.layernorm_forward, x, gamma, beta, {"mode": mode}, what)
        hints = _forward_hints(x, gamma, beta, 1e-5)
        hints["layer norm has no running statistics and no modes: it always normalizes with the sample's own "
              "statistics (your test-mode values look like batch norm's test mode with default running "
              "statistics)"] = gamma * x / np.sqrt(1.0 + 1e-5) + beta
        check_close(out, expected, what=what, inputs=(x,), mistakes=hints)


def test_forward_float32(student, reference, rng):
    x, gamma, beta, _ = _case(rng, 3, 8, dtype=np.float32)
    what = "layernorm_forward for float32 inputs (N=3, D=8)"
    expected, _ = reference.layernorm_forward(x, gamma, beta, None)
    out, _ = forward(student.layernorm_forward, x, gamma, beta, None, what)
    check_close(out, expected, what=what, inputs=(x,))


GRAD_CASES = {
    "N=5,D=7": dict(n=5, d=7, scale=1.0, eps=None, dtype=np.float64),
    "N=1,D=6": dict(n=1, d=6, scale=1.0, eps=None, dtype=np.float64),
    "float32,N=3,D=8": dict(n=3, d=8, scale=1.0, eps=None, dtype=np.float32),
    "eps=0.1,N=4,D=5": dict(n=4, d=5, scale=0.5, eps=0.1, dtype=np.float64),
}


def _grad_hints(x, gamma, dout, eps):
    x, gamma, dout = (np.asarray(a, dtype=np.float64) for a in (x, gamma, dout))
    mu, var = x.mean(axis=1, keepdims=True), x.var(axis=1, keepdims=True)
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mu) * inv_std
    dx_hat = dout * gamma
    hints = {
        "dx": {
            "dx is missing the term x_hat * mean(dx_hat * x_hat, axis=1): the variance depends on x too":
                inv_std * (dx_hat - dx_hat.mean(axis=1, keepdims=True)),
            "dx is missing the term mean(dx_hat, axis=1): the mean depends on x too":
                inv_std * (dx_hat - x_hat * (dx_hat * x_hat).mean(axis=1, keepdims=True)),
            "dx treats the sample's mean and variance as constants; both depend on x, which adds two terms":
                dx_hat * inv_std,
        },
        "dgamma": {DGAMMA_FROM_X: np.sum(dout * x, axis=0), DGAMMA_DBETA_SWAPPED: np.sum(dout, axis=0)},
        "dbeta": {DGAMMA_DBETA_SWAPPED: np.sum(dout * x_hat, axis=0)},
    }
    if x.shape[0] > 1:
        hints["dx"]["in layer norm the statistics are per sample: the means in dx run over the features "
                    "(axis 1), not over the batch"] = \
            inv_std * (dx_hat - dx_hat.mean(axis=0) - x_hat * (dx_hat * x_hat).mean(axis=0))
    return hints


def _check_grad(student, reference, rng, case, index, name):
    spec = dict(GRAD_CASES[case])
    eps = spec.pop("eps")
    x, gamma, beta, dout = _case(rng, **spec)
    ln = None if eps is None else {"eps": eps}
    grads = student_grads(student, "layernorm", x, gamma, beta, dout, None if ln is None else dict(ln), case)
    # h = 1e-5: at most 1.2e-9 from the exact gradient on these inputs over 200 seeds (D >= 3 keeps x_hat
    # from being +-1), far inside the tolerances 1e-7 (float64) and 1e-4 (float32).
    expected = true_grad(reference.layernorm_forward, ln or {}, x, gamma, beta, dout, name)
    what = f"{name} from layernorm_backward ({case})"
    value = grads[index]
    if name != "dx" and np.shape(value) in {(x.shape[0],), x.shape} and x.shape[0] != x.shape[1]:
        raise CheckFailed(f"{what} has shape {np.shape(value)}; {name} has one entry per feature, shape "
                          f"({x.shape[1]},): gamma and beta are shared by all samples, so sum over the batch "
                          "(axis 0)")
    check_grad(value, expected, what, x, _grad_hints(x, gamma, dout, 1e-5 if eps is None else eps)[name])


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
    x, gamma, beta, dout = _case(rng, 5, 7)
    before = x.copy(), gamma.copy(), beta.copy(), dout.copy()
    _, cache = forward(student.layernorm_forward, x, gamma, beta, None, "layernorm_forward")
    student.layernorm_backward(dout, cache)
    for name, old, new in zip(("x", "gamma", "beta", "dout"), before, (x, gamma, beta, dout)):
        check_unchanged(old, new, f"layernorm_forward / layernorm_backward ({name})")


def _numeric(reference, x, gamma, beta, dout):
    """(dx, dgamma, dbeta) by central differences through the reference, h = 1e-5 as above."""
    return [true_grad(reference.layernorm_forward, {}, x, gamma, beta, dout, name) for name in NAMES]


@weight(2)
def test_views(student, reference, rng):
    x, gamma, beta, dout = _case(rng, 5, 7)
    where = "N=5, D=7, x Fortran-ordered, dout, gamma and beta slices with a step"
    xv, gv, bv, dv = views(x, gamma, beta, dout)
    expected, _ = reference.layernorm_forward(x, gamma, beta, None)
    out, _ = forward(student.layernorm_forward, xv, gv, bv, None, f"layernorm_forward ({where})")
    check_close(out, expected, what=f"layernorm_forward ({where})", inputs=(x,))
    grads = student_grads(student, "layernorm", xv, gv, bv, dv, None, where)
    for name, value, numeric in zip(NAMES, grads, _numeric(reference, x, gamma, beta, dout)):
        check_grad(value, numeric, f"{name} from layernorm_backward ({where})", x,
                   _grad_hints(x, gamma, dout, 1e-5)[name])


@weight(2)
def test_two_layers_in_flight(student, reference, rng):
    """Layer 1's forward pass, layer 2's, then layer 2's backward pass and layer 1's, as a network runs them."""
    layers = [_case(rng, 5, 7) for _ in range(2)]
    where = "two layers in flight: forward 1, forward 2, backward 2, backward 1"
    grads = in_flight(student, "layernorm", layers[0], layers[1], lambda: None, where)
    _, wrong_cache = reference.layernorm_forward(*layers[1][:3], None)
    wrong = reference.layernorm_backward(layers[0][3], wrong_cache)           # layer 1's dout on layer 2's cache
    for i in (1, 0):
        for k, (name, numeric) in enumerate(zip(NAMES, _numeric(reference, *layers[i]))):
            check_grad(grads[i][k], numeric, f"{name} of layer {i + 1} from layernorm_backward ({where})",
                       layers[i][0], {IN_FLIGHT_HINT: wrong[k]} if i == 0 else None)
