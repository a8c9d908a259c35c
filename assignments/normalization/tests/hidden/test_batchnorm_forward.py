"""Hidden tests of batchnorm_forward (spec: normalization.md).

Outputs and running statistics are compared with the reference on the same
inputs. Batches are non-square (N != D) and every feature has its own mean
and spread, so statistics taken over the wrong axis show.

What each test is there to catch (see tests/catalogue/normalization/wrong/):
- values: the unbiased variance (N - 1), eps outside the square root, eps
  not read from bn_param, statistics over the features instead of the batch,
  gamma and beta swapped;
- running statistics after several steps: the momentum weighing the new
  batch (PyTorch's convention), the running variance updated with the
  unbiased variance, the standard deviation, or not at all;
- defaults: running_var defaulting to zeros, PyTorch's momentum 0.1;
- test mode: batch statistics instead of the running ones, bn_param
  written (running statistics updated, or defaults added);
- a missing or unknown mode that does not raise ValueError;
- x, gamma or beta modified in place;
- a layer handed over in another mode: trained for a few steps on
  Fortran-ordered batches, then switched to test mode on the same bn_param
  (what evaluating a network does).
"""
import copy

import numpy as np
import pytest

from autograder.testing import CheckFailed, check_close, check_unchanged, expect_raises, rel_error, weight
from support import EPS_OUTSIDE_SQRT, TEST_MODE_USES_BATCH, forward, stored

N, D = 6, 4
RUNNING_VAR_UNBIASED = "update the running variance with the biased batch variance (divide by N, not N - 1)"
DEFAULT_RUNNING_VAR = "the default running_var is ones, not zeros"


def _batch(rng, n=N, d=D, scale=1.0, dtype=np.float64):
    """x (n, d) with a different mean and spread per feature; gamma, beta (d,)."""
    loc = rng.uniform(-2.0, 2.0, size=d)
    spread = scale * rng.uniform(0.5, 2.0, size=d)
    x = loc + spread * rng.standard_normal((n, d))
    gamma = rng.uniform(0.5, 1.5, size=d) * rng.choice([-1.0, 1.0], size=d)
    beta = rng.standard_normal(d)
    return x.astype(dtype), gamma.astype(dtype), beta.astype(dtype)


def _running(rng, d=D):
    return rng.standard_normal(d), rng.uniform(0.5, 2.0, size=d)


def _normalize(x, gamma, beta, mu, var, eps, eps_outside=False):
    x = np.asarray(x, dtype=np.float64)
    std = np.sqrt(var) + eps if eps_outside else np.sqrt(var + eps)
    return gamma * (x - mu) / std + beta


def _train_hints(x, gamma, beta, eps):
    """{hint: out} of known mistakes in train mode."""
    x = np.asarray(x, dtype=np.float64)
    mu, var = x.mean(axis=0), x.var(axis=0)
    n = x.shape[0]
    return {
        "use the biased batch variance (divide by N, not N - 1)":
            _normalize(x, gamma, beta, mu, var * n / (n - 1), eps),
        EPS_OUTSIDE_SQRT: _normalize(x, gamma, beta, mu, var, eps, eps_outside=True),
        "the statistics are per feature, over the batch (axis 0); yours look like per-sample statistics "
        "(axis 1)": _normalize(x, gamma, beta, x.mean(axis=1, keepdims=True), x.var(axis=1, keepdims=True), eps),
        "out = gamma * x_hat + beta: gamma and beta look swapped": _normalize(x, beta, gamma, mu, var, eps),
    }


def _call(student, x, gamma, beta, bn_param, what):
    return forward(student.batchnorm_forward, x, gamma, beta, bn_param, what)[0]


def _ref(reference, x, gamma, beta, bn_param):
    """The reference's out and its bn_param afterwards (on a copy)."""
    param = copy.deepcopy(bn_param)
    out, _ = reference.batchnorm_forward(x, gamma, beta, param)
    return out, param


@weight(2)
@pytest.mark.parametrize("given", ["default eps", "eps=1e-3"])
def test_train_values(student, reference, rng, given):
    x, gamma, beta = _batch(rng)
    rm, rv = _running(rng)
    bn = {"mode": "train", "running_mean": rm, "running_var": rv}
    eps = 1e-5
    if given != "default eps":
        eps = bn["eps"] = 1e-3
    what = f"batchnorm_forward(x, gamma, beta, bn_param) in train mode, N={N}, D={D}, {given}"
    expected, _ = _ref(reference, x, gamma, beta, bn)
    check_close(_call(student, x, gamma, beta, bn, what), expected, what=what, inputs=(x,),
                mistakes=_train_hints(x, gamma, beta, eps))


@weight(2)
def test_train_eps_matters(student, reference, rng):
    """Features with a spread of 0.01 to 0.04 (var 1e-4 to 1.6e-3): the default eps = 1e-5 changes the output
    by 0.3 % to 5 %, eps = 0.01 by a factor 2.5 or more, so eps outside the square root, a wrong default or an
    ignored eps show."""
    x, gamma, beta = _batch(rng, scale=0.02)
    for eps in (None, 0.01):
        bn = {"mode": "train"} if eps is None else {"mode": "train", "eps": eps}
        label = "the default eps" if eps is None else f"eps={eps}"
        what = f"batchnorm_forward in train mode for features with a small variance (~1e-3) and {label}"
        expected, _ = _ref(reference, x, gamma, beta, bn)
        hints = _train_hints(x, gamma, beta, 1e-5 if eps is None else eps)
        if eps is not None:
            hints["use bn_param['eps'] when it is given"] = _ref(reference, x, gamma, beta, {"mode": "train"})[0]
        else:
            hints["eps is missing: x_hat = (x - mu) / sqrt(var + eps) with eps = 1e-5 by default"] = \
                _normalize(x, gamma, beta, x.mean(axis=0), x.var(axis=0), 0.0)
        check_close(_call(student, x, gamma, beta, bn, what), expected, what=what, inputs=(x,), mistakes=hints)


def test_train_batch_of_two(student, reference, rng):
    x, gamma, beta = _batch(rng, n=2, d=5)
    rm, rv = _running(rng, 5)
    bn = {"mode": "train", "eps": 0.5, "running_mean": rm, "running_var": rv}
    what = "batchnorm_forward in train mode with a batch of N=2 (D=5, eps=0.5)"
    expected, after = _ref(reference, x, gamma, beta, bn)
    check_close(_call(student, x, gamma, beta, bn, what), expected, what=what, inputs=(x,),
                mistakes=_train_hints(x, gamma, beta, 0.5))
    check_close(stored(bn, "running_var", what), after["running_var"], what=f"bn_param['running_var'] after {what}",
                inputs=(x,), mistakes={RUNNING_VAR_UNBIASED: 0.9 * rv + 0.1 * x.var(axis=0, ddof=1)})


def _running_hints(batches, rm, rv, momentum, eps):
    """{hint: (running_mean, running_var)} of known mistakes over several training steps."""
    def run(swap=False, var_of=lambda b: b.var(axis=0), update_mean=True, update_var=True):
        m, v = rm.copy(), rv.copy()
        keep = 1.0 - momentum if swap else momentum
        for b in batches:
            if update_mean:
                m = keep * m + (1.0 - keep) * b.mean(axis=0)
            if update_var:
                v = keep * v + (1.0 - keep) * var_of(b)
        return m, v

    return {
        "momentum weighs the new batch: this spec's momentum weighs the old running value "
        "(running = momentum * running + (1 - momentum) * batch statistic)": run(swap=True),
        "the running variance never changes: update it from the batch variance at every training step":
            run(update_var=False),
        "the running mean never changes: update it from the batch mean at every training step":
            run(update_mean=False),
        RUNNING_VAR_UNBIASED: run(var_of=lambda b: b.var(axis=0, ddof=1)),
        "the running variance is updated with the standard deviation; use the batch variance":
            run(var_of=lambda b: b.std(axis=0)),
        "update the running variance with the batch variance itself, without eps":
            run(var_of=lambda b: b.var(axis=0) + eps),
    }


def _check_running(bn, expected, hints, what, inputs):
    for i, key in enumerate(("running_mean", "running_var")):
        value = stored(bn, key, what)
        # A mistake that leaves this statistic right (the running mean when only the variance is wrong) gives
        # no hint for it.
        mistakes = {h: v[i] for h, v in hints.items() if rel_error(v[i], expected[key]) > 1e-6}
        check_close(value, expected[key], what=f"bn_param[{key!r}] after {what}", inputs=inputs, mistakes=mistakes)


@weight(3)
@pytest.mark.parametrize("given", ["default momentum", "momentum=0.7"])
def test_running_statistics_after_several_steps(student, reference, rng, given):
    sizes = (6, 9, 4)
    batches = [_batch(rng, n=n)[0] for n in sizes]
    _, gamma, beta = _batch(rng)
    rm, rv = _running(rng)
    bn = {"mode": "train", "running_mean": rm.copy(), "running_var": rv.copy()}
    momentum = 0.9
    if given != "default momentum":
        momentum = bn["momentum"] = 0.7
    expected = copy.deepcopy(bn)
    what = f"3 training steps (batches of N = {', '.join(map(str, sizes))}, D={D}, {given})"
    for x in batches:
        reference.batchnorm_forward(x, gamma, beta, expected)
        _call(student, x, gamma, beta, bn, f"batchnorm_forward in train mode ({what})")
    _check_running(bn, expected, _running_hints(batches, rm, rv, momentum, 1e-5), what, inputs=(batches[0],))


@weight(2)
def test_train_defaults(student, reference, rng):
    """bn_param = {'mode': 'train'}: eps 1e-5, momentum 0.9, running_mean zeros, running_var ones."""
    x, gamma, beta = _batch(rng)
    bn = {"mode": "train"}
    what = "one training step from bn_param = {'mode': 'train'} (the defaults)"
    expected, after = _ref(reference, x, gamma, beta, bn)
    check_close(_call(student, x, gamma, beta, bn, f"batchnorm_forward ({what})"), expected,
                what=f"batchnorm_forward ({what})", inputs=(x,), mistakes=_train_hints(x, gamma, beta, 1e-5))
    mu, var = x.mean(axis=0), x.var(axis=0)
    hints = {
        DEFAULT_RUNNING_VAR: (0.1 * mu, 0.1 * var),
        "the default momentum is 0.9 and weighs the old running value (PyTorch's 0.1 is 0.9 here)":
            (0.9 * mu, 0.1 + 0.9 * var),
    }
    hints.update(_running_hints([x], np.zeros(D), np.ones(D), 0.9, 1e-5))
    _check_running(bn, after, hints, what, inputs=(x,))


@weight(3)
def test_test_mode_uses_running_statistics(student, reference, rng):
    x, gamma, beta = _batch(rng)
    rm, rv = _running(rng)
    bn = {"mode": "test", "running_mean": rm, "running_var": rv, "eps": 1e-3}
    what = f"batchnorm_forward(x, gamma, beta, bn_param) in test mode, N={N}, D={D}"
    expected, _ = _ref(reference, x, gamma, beta, bn)
    mu, var = x.mean(axis=0), x.var(axis=0)
    hints = {TEST_MODE_USES_BATCH: _normalize(x, gamma, beta, mu, var, 1e-3),
             "eps goes inside the square root: (x - running_mean) / sqrt(running_var + eps)":
             _normalize(x, gamma, beta, rm, rv, 1e-3, eps_outside=True),
             "running_var is a variance: divide by sqrt(running_var + eps), not by running_var + eps":
             gamma * (x - rm) / (rv + 1e-3) + beta}
    check_close(_call(student, x, gamma, beta, bn, what), expected, what=what, inputs=(x,), mistakes=hints)


@weight(2)
def test_test_mode_does_not_write_bn_param(student, rng):
    x, gamma, beta = _batch(rng)
    rm, rv = _running(rng)
    bn = {"mode": "test", "running_mean": rm.copy(), "running_var": rv.copy(), "momentum": 0.9, "eps": 1e-5}
    before = copy.deepcopy(bn)
    for _ in range(3):
        _call(student, x, gamma, beta, bn, "batchnorm_forward in test mode")
    if set(bn) != set(before):
        raise CheckFailed("batchnorm_forward in test mode changed the keys of bn_param; test mode must not write "
                          "bn_param")
    for key in ("running_mean", "running_var"):
        if not np.array_equal(np.asarray(bn[key]), before[key]):
            raise CheckFailed(f"batchnorm_forward in test mode changed bn_param[{key!r}]; the running statistics "
                              "are updated in train mode only")
    for key in ("mode", "eps", "momentum"):
        if type(bn[key]) is not type(before[key]) or bn[key] != before[key]:
            raise CheckFailed(f"batchnorm_forward in test mode changed bn_param[{key!r}]; test mode must not write "
                              "bn_param")


@weight(2)
def test_test_mode_defaults(student, reference, rng):
    """bn_param = {'mode': 'test'}: running_mean zeros, running_var ones, eps 1e-5."""
    x, gamma, beta = _batch(rng)
    bn = {"mode": "test"}
    what = "batchnorm_forward in test mode with bn_param = {'mode': 'test'} (the default running statistics)"
    expected, _ = _ref(reference, x, gamma, beta, bn)
    hints = {DEFAULT_RUNNING_VAR: _normalize(x, gamma, beta, 0.0, 0.0, 1e-5),
             "test mode normalizes with the (default) running statistics, not the batch statistics":
             _normalize(x, gamma, beta, x.mean(axis=0), x.var(axis=0), 1e-5)}
    check_close(_call(student, x, gamma, beta, bn, what), expected, what=what, inputs=(x,), mistakes=hints)


@weight(0.5)
def test_test_mode_adds_nothing_to_bn_param(student, rng):
    x, gamma, beta = _batch(rng)
    bn = {"mode": "test"}
    _call(student, x, gamma, beta, bn, "batchnorm_forward in test mode")
    if set(bn) != {"mode"}:
        added = ", ".join(repr(k) for k in sorted(set(bn) - {"mode"}, key=str))
        raise CheckFailed(f"batchnorm_forward in test mode with bn_param = {{'mode': 'test'}} added {added or 'keys'} "
                          "to bn_param; in test mode use the defaults without storing them (bn_param is not "
                          "written in test mode)")


def test_float32(student, reference, rng):
    x, gamma, beta = _batch(rng, n=7, d=3, dtype=np.float32)
    rm, rv = (a.astype(np.float32) for a in _running(rng, 3))
    for mode in ("train", "test"):
        bn = {"mode": mode, "running_mean": rm.copy(), "running_var": rv.copy()}
        what = f"batchnorm_forward in {mode} mode for float32 inputs (N=7, D=3)"
        expected, after = _ref(reference, x, gamma, beta, bn)
        check_close(_call(student, x, gamma, beta, bn, what), expected, what=what, inputs=(x,))
        if mode == "train":
            for key in ("running_mean", "running_var"):
                check_close(stored(bn, key, what), after[key], what=f"bn_param[{key!r}] after {what}", inputs=(x,))


# Parametrized by name: the grader's parametrize expansion does not take dict values.
BAD_PARAMS = {"empty": {}, "no mode": {"eps": 1e-5, "momentum": 0.9}, "eval": {"mode": "eval"},
              "training": {"mode": "training"}, "None": {"mode": None}}


@pytest.mark.parametrize("case", list(BAD_PARAMS), ids=list(BAD_PARAMS))
def test_bad_mode_raises_value_error(student, rng, case):
    x, gamma, beta = _batch(rng)
    bn_param = dict(BAD_PARAMS[case])
    expect_raises("ValueError", student.batchnorm_forward, x, gamma, beta, bn_param,
                  what=f"batchnorm_forward(x, gamma, beta, {bn_param!r}) (a missing or unknown mode)")


def test_does_not_modify_inputs(student, rng):
    x, gamma, beta = _batch(rng)
    before = x.copy(), gamma.copy(), beta.copy()
    for mode in ("train", "test"):
        _call(student, x, gamma, beta, {"mode": mode}, f"batchnorm_forward in {mode} mode")
        for name, old, new in zip(("x", "gamma", "beta"), before, (x, gamma, beta)):
            check_unchanged(old, new, f"batchnorm_forward in {mode} mode ({name})")


@weight(2)
def test_train_then_test_mode(student, reference, rng):
    """Three training steps, then the same bn_param switched to test mode, as an evaluation loop does; the
    batches are Fortran-ordered, as a transposed data matrix is."""
    batches = [np.asfortranarray(_batch(rng, n=n)[0]) for n in (6, 9, 4)]
    _, gamma, beta = _batch(rng)
    bn, expected = {"mode": "train", "momentum": 0.7}, {"mode": "train", "momentum": 0.7}
    what = f"3 training steps (Fortran-ordered batches, D={D}, momentum=0.7)"
    for x in batches:
        reference.batchnorm_forward(x, gamma, beta, expected)
        _call(student, x, gamma, beta, bn, f"batchnorm_forward in train mode ({what})")
    bn["mode"] = expected["mode"] = "test"
    x = np.asfortranarray(_batch(rng)[0])
    want, _ = reference.batchnorm_forward(x, gamma, beta, expected)
    what = f"batchnorm_forward in test mode after {what}"
    check_close(_call(student, x, gamma, beta, bn, what), want, what=what, inputs=(x,),
                mistakes={TEST_MODE_USES_BATCH: _normalize(x, gamma, beta, x.mean(axis=0), x.var(axis=0), 1e-5)})
