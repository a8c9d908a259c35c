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
modified in place.
"""
import numpy as np
import pytest

from autograder.testing import CheckFailed, check_close, check_unchanged, weight
from support import DGAMMA_DBETA_SWAPPED, DGAMMA_FROM_X, student_grads, true_grad

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
    check_close(value, expected, what=what, inputs=(x,), mistakes=_hints(x, gamma, dout, eps)[name])


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
