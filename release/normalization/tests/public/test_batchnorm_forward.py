"""Public tests of batchnorm_forward.

The expected values are the spec's formulas written out here. The hidden
tests check more: other shapes and dtypes, several training steps, the
defaults of bn_param, and that test mode leaves bn_param alone. The student's
functions receive copies of the constants below.
"""
import numpy as np

from autograder.testing import CheckFailed, check_array, check_close, check_true, expect_raises
from public_support import call

X = np.array([[1.0, -2.0, 0.5], [3.0, 0.0, 0.25], [2.0, 4.0, -1.0], [-2.0, 1.0, 0.75]])   # (4, 3)
GAMMA = np.array([1.5, -0.5, 2.0])
BETA = np.array([0.1, 0.2, -0.3])


def _bn(x, gamma, beta, mu, var, eps=1e-5):
    return gamma * (x - mu) / np.sqrt(var + eps) + beta


def test_train_values(student):
    mu = X.mean(axis=0)
    var = ((X - mu) ** 2).mean(axis=0)                  # biased: divide by N
    out, _ = call(student.batchnorm_forward, X.copy(), GAMMA.copy(), BETA.copy(), {"mode": "train"})
    check_close(out, _bn(X, GAMMA, BETA, mu, var), what="batchnorm_forward(x, gamma, beta, {'mode': 'train'})",
                inputs=(X,), mistakes={"use the biased variance (divide by N, not N - 1)":
                                       _bn(X, GAMMA, BETA, mu, X.var(axis=0, ddof=1))})


def test_train_output_is_standardized(student):
    """With gamma = 1 and beta = 0, each feature of out has mean 0 and variance var / (var + eps)."""
    out, _ = call(student.batchnorm_forward, X.copy(), np.ones(3), np.zeros(3), {"mode": "train"})
    out = check_array(out, "batchnorm_forward(x, ones, zeros, {'mode': 'train'})", shape=X.shape)
    check_true(np.all(np.abs(out.mean(axis=0)) < 1e-9),
               "with gamma = 1 and beta = 0, every feature (column) of out should have mean 0")
    var = X.var(axis=0)
    check_close(out.var(axis=0), var / (var + 1e-5), inputs=(X,),
                what="the per-feature variance of out (gamma = 1, beta = 0, default eps)")


def test_running_statistics_one_step(student):
    rm, rv = np.array([0.5, -1.0, 0.0]), np.array([2.0, 1.0, 0.5])
    bn = {"mode": "train", "running_mean": rm.copy(), "running_var": rv.copy()}
    call(student.batchnorm_forward, X.copy(), GAMMA.copy(), BETA.copy(), bn)
    mu, var = X.mean(axis=0), X.var(axis=0)
    for key, old, batch in (("running_mean", rm, mu), ("running_var", rv, var)):
        if key not in bn:
            raise CheckFailed(f"bn_param has no {key!r} after a training step")
        check_close(bn[key], 0.9 * old + 0.1 * batch, what=f"bn_param[{key!r}] after one training step "
                    "(momentum 0.9 by default)", inputs=(X,),
                    mistakes={"this spec's momentum weighs the OLD running value: "
                              "momentum * running + (1 - momentum) * batch": 0.1 * old + 0.9 * batch})


def test_test_mode_uses_running_statistics(student):
    rm, rv = np.array([0.5, -1.0, 0.0]), np.array([2.0, 1.0, 0.5])
    bn = {"mode": "test", "running_mean": rm.copy(), "running_var": rv.copy()}
    out, _ = call(student.batchnorm_forward, X.copy(), GAMMA.copy(), BETA.copy(), bn)
    check_close(out, _bn(X, GAMMA, BETA, rm, rv), what="batchnorm_forward in test mode", inputs=(X,))
    if not (np.array_equal(bn["running_mean"], rm) and np.array_equal(bn["running_var"], rv)):
        raise CheckFailed("batchnorm_forward in test mode changed the running statistics in bn_param")


def test_missing_mode_raises_value_error(student):
    for bn_param, what in (({"eps": 1e-5}, "with no 'mode' in bn_param"), ({"mode": "eval"}, "with mode 'eval'")):
        expect_raises("ValueError", student.batchnorm_forward, X.copy(), GAMMA.copy(), BETA.copy(), bn_param,
                      what=f"batchnorm_forward {what}")
