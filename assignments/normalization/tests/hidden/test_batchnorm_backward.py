"""Hidden tests of batchnorm_backward (spec: normalization.md).

The student's forward pass (train mode) makes the cache, the student's
backward pass turns dout into (dx, dgamma, dbeta), and each gradient is
compared, in a test of its own, with the grader's central differences of
f = sum(out * dout), where out comes from the REFERENCE forward pass: the
check is against the true gradient of batch normalization, whatever the
student's forward pass does.

Cases: a non-square batch (N=6, D=4), a batch of two with a large eps (with
eps small, x_hat is +-1 whatever x is and dx is almost 0), float32 inputs,
and features with a small variance, where eps matters in the backward pass
too.

What each test is there to catch (see tests/catalogue/normalization/wrong/):
a dx that drops the term x_hat * mean(dx_hat * x_hat) or mean(dx_hat),
treats the mean and variance as constants, forgets gamma, leaves eps out, or
has a sign slip on the computational graph; dgamma and dbeta not summed over
the batch, averaged, swapped, or dgamma built from x instead of x_hat; dout
modified in place. What real code meets: views (x Fortran-ordered, dout,
gamma and beta slices with a step); two batch-norm layers in flight (both
forward passes, then both backward passes in reverse order: a cache kept
in a global serves the wrong layer); a second backward pass with the same
cache (a backward pass that works in the cache's arrays in place only gets
the first one right).

Every comparison is check_gradient's: the relative error against the
numerical gradient must be below 1e-7 (float64) or 1e-4 (float32), see
support.py.
"""
import numpy as np
import pytest

from autograder.testing import CheckFailed, check_unchanged, weight
from support import CACHE_CHANGED_HINT, DGAMMA_DBETA_SWAPPED, DGAMMA_FROM_X, IN_FLIGHT_HINT, check_grad, forward, \
    in_flight, student_grads, true_grad, views

NAMES = ("dx", "dgamma", "dbeta")

CASES = {
    "N=6,D=4": dict(n=6, d=4, scale=1.0, eps=None, dtype=np.float64),
    "N=2,D=5,eps=0.5": dict(n=2, d=5, scale=1.0, eps=0.5, dtype=np.float64),
    "float32,N=5,D=3": dict(n=5, d=3, scale=1.0, eps=None, dtype=np.float32),
    "small variance,N=7,D=3": dict(n=7, d=3, scale=0.02, eps=None, dtype=np.float64),
}


def _case(rng, n, d, scale, eps, dtype):
    loc = rng.uniform(-2.0, 2.0, size=d)
    x = loc + scale * rng.uniform(0.5, 2.0, size=d) * rng.standard_normal((n, d))
    gamma = rng.uniform(0.5, 1.5, size=d) * rng.choice([-1.0, 1.0], size=d)
    beta = rng.standard_normal(d)
    dout = rng.standard_normal((n, d))
    bn = {"mode": "train"} if eps is None else {"mode": "train", "eps": eps}
    return x.astype(dtype), gamma.astype(dtype), beta.astype(dtype), dout.astype(dtype), bn


def _hints(x, gamma, dout, eps):
    """{hint: value} per gradient for known mistakes."""
    x, gamma, dout = (np.asarray(a, dtype=np.float64) for a in (x, gamma, dout))
    mu, var = x.mean(axis=0), x.var(axis=0)
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mu) * inv_std
    dx_hat = dout * gamma

    def dx_formula(dxh, inv=inv_std):
        return inv * (dxh - dxh.mean(axis=0) - x_hat * (dxh * x_hat).mean(axis=0))

    # The graph's variance branch with the sign of d(var)/d(x) flipped:
    # dvar * 2 (x - mu) / N enters with the wrong sign.
    dvar = np.sum(dx_hat * (x - mu), axis=0) * -0.5 * inv_std ** 3
    dmu = -np.sum(dx_hat * inv_std, axis=0)
    n = x.shape[0]
    sign_slip = dx_hat * inv_std - dvar * 2.0 * (x - mu) / n + dmu / n
    return {
        "dx": {
            "dx is missing the term x_hat * mean(dx_hat * x_hat, axis=0): the variance depends on x too":
                inv_std * (dx_hat - dx_hat.mean(axis=0)),
            "dx is missing the term mean(dx_hat, axis=0): the mean depends on x too":
                inv_std * (dx_hat - x_hat * (dx_hat * x_hat).mean(axis=0)),
            "dx treats the batch mean and variance as constants; both depend on x, which adds two terms":
                dx_hat * inv_std,
            "dx_hat = dout * gamma: the factor gamma is missing": dx_formula(dout),
            "eps is missing: the forward pass divides by sqrt(var + eps), so the backward pass must too":
                dx_formula(dx_hat, 1.0 / np.sqrt(var)),
            "check the sign of the variance branch: d var / d x_i = 2 (x_i - mu) / N": sign_slip,
        },
        "dgamma": {
            DGAMMA_FROM_X: np.sum(dout * x, axis=0),
            "sum over the batch, do not average: dgamma = sum(dout * x_hat, axis=0)":
                np.mean(dout * x_hat, axis=0),
            DGAMMA_DBETA_SWAPPED: np.sum(dout, axis=0),
        },
        "dbeta": {
            "sum over the batch, do not average: dbeta = sum(dout, axis=0)": np.mean(dout, axis=0),
            DGAMMA_DBETA_SWAPPED: np.sum(dout * x_hat, axis=0),
        },
    }


def _check(student, reference, rng, case, index, name):
    spec = CASES[case]
    x, gamma, beta, dout, bn = _case(rng, **spec)
    where = f"train mode, {case}"
    grads = student_grads(student, "batchnorm", x, gamma, beta, dout, dict(bn), where)
    # The step scales with the spread of x (h = 1e-5 * scale): the truncation error grows like (h / std)**2,
    # so the small-variance case needs h = 2e-7. Measured over 200 seeds per case, the central differences
    # then agree with the exact gradient to 3e-9 or better, far inside the tolerances 1e-7 (float64) and
    # 1e-4 (float32).
    expected = true_grad(reference.batchnorm_forward, bn, x, gamma, beta, dout, name, h=1e-5 * spec["scale"])
    value = grads[index]
    what = f"{name} from batchnorm_backward ({where})"
    if name != "dx" and np.shape(value) == x.shape:
        raise CheckFailed(f"{what} has shape {x.shape}, the shape of x; {name} has one entry per feature, "
                          f"shape ({x.shape[1]},): sum over the batch (axis 0)")
    eps = spec["eps"] if spec["eps"] is not None else 1e-5
    check_grad(value, expected, what, x, _hints(x, gamma, dout, eps)[name])


@weight(3)
@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_dx(student, reference, rng, case):
    _check(student, reference, rng, case, 0, "dx")


@weight(1.5)
@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_dgamma(student, reference, rng, case):
    _check(student, reference, rng, case, 1, "dgamma")


@weight(1.5)
@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_dbeta(student, reference, rng, case):
    _check(student, reference, rng, case, 2, "dbeta")


@weight(2)
def test_does_not_modify_inputs(student, rng):
    x, gamma, beta, dout, bn = _case(rng, **CASES["N=6,D=4"])
    before = x.copy(), gamma.copy(), beta.copy(), dout.copy()
    student_grads(student, "batchnorm", x, gamma, beta, dout, dict(bn), "train mode, N=6, D=4")
    for name, old, new in zip(("x", "gamma", "beta", "dout"), before, (x, gamma, beta, dout)):
        check_unchanged(old, new, f"batchnorm_forward / batchnorm_backward ({name})")


def _numeric(reference, case):
    """(dx, dgamma, dbeta): the grader's central differences through the reference forward pass (h = 1e-5,
    as for the case N=6,D=4 above)."""
    x, gamma, beta, dout, bn = case
    return [true_grad(reference.batchnorm_forward, bn, x, gamma, beta, dout, name) for name in NAMES]


@weight(2)
def test_views(student, reference, rng):
    x, gamma, beta, dout, bn = case = _case(rng, **CASES["N=6,D=4"])
    where = "train mode, N=6, D=4, x Fortran-ordered, dout, gamma and beta slices with a step"
    grads = student_grads(student, "batchnorm", *views(x, gamma, beta, dout), dict(bn), where)
    for name, value, expected in zip(NAMES, grads, _numeric(reference, case)):
        check_grad(value, expected, f"{name} from batchnorm_backward ({where})", x, _hints(x, gamma, dout, 1e-5)[name])


@weight(3)
def test_two_layers_in_flight(student, reference, rng):
    """Layer 1's forward pass, layer 2's, then layer 2's backward pass and layer 1's, as a network runs them."""
    layers = [_case(rng, **CASES["N=6,D=4"]) for _ in range(2)]
    where = "two layers in flight: forward 1, forward 2, backward 2, backward 1"
    grads = in_flight(student, "batchnorm", layers[0][:4], layers[1][:4], lambda: {"mode": "train"}, where)
    x2, gamma2, beta2 = layers[1][:3]
    _, wrong_cache = reference.batchnorm_forward(x2, gamma2, beta2, {"mode": "train"})
    wrong = reference.batchnorm_backward(layers[0][3], wrong_cache)          # layer 1's dout on layer 2's cache
    for i in (1, 0):
        for k, (name, expected) in enumerate(zip(NAMES, _numeric(reference, layers[i]))):
            check_grad(grads[i][k], expected, f"{name} of layer {i + 1} from batchnorm_backward ({where})",
                       layers[i][0], {IN_FLIGHT_HINT: wrong[k]} if i == 0 else None)


@weight(2)
def test_backward_twice_with_one_cache(student, reference, rng):
    """Two upstream gradients through one forward pass (two losses, or a gradient check): the cache is read,
    never changed."""
    x, gamma, beta, dout, bn = _case(rng, **CASES["N=6,D=4"])
    second = rng.standard_normal(x.shape)
    _, cache = forward(student.batchnorm_forward, x, gamma, beta, dict(bn), "batchnorm_forward (train mode, N=6, D=4)")
    for call, upstream in enumerate((dout, second)):
        grads = student.batchnorm_backward(upstream, cache)
        if not isinstance(grads, (tuple, list)) or len(grads) != 3:
            raise CheckFailed("batchnorm_backward should return a tuple (dx, dgamma, dbeta)")
        where = "train mode, N=6, D=4" if call == 0 else "a second backward pass with the same cache, another dout"
        for name, value, expected in zip(NAMES, grads, _numeric(reference, (x, gamma, beta, upstream, bn))):
            try:
                check_grad(value, expected, f"{name} from batchnorm_backward ({where})", x)
            except CheckFailed as exc:
                raise CheckFailed(str(exc), hint=CACHE_CHANGED_HINT if call else exc.hint) from None
