"""Hidden tests of adam and adamw (spec: optimizers.md).

Every value is compared with the reference on the same inputs. In the
multi-step tests the student's rule and the reference each carry their OWN
returned config from step to step (in-place and replacing state updates
both work), while w follows the reference's trajectory. Compared at every
step: the step next_w - w and the state m, v and t.

What each test is there to catch (see tests/catalogue/optimizers/wrong/):
- many steps / first step: the bias correction missing (for m, v or both),
  t not incremented or not stored, t incremented after its use (1 - beta**0
  = 0 at the first step), beta1 and beta2 swapped, epsilon inside the square
  root, the paper's "efficient" form that moves epsilon, the corrected
  m_hat / v_hat stored as the state, no square root;
- defaults: config None or missing, wrong default values (learning_rate
  1e-2, ...), a mutable default argument; a partial config;
- state passed in (m, v and t = 5): t counts the steps taken, so the next
  step uses t = 6; m and v are the uncorrected moments;
- AdamW's decoupled decay: L2 added to dw (with or without the decay), the
  decay with the wrong sign, without the learning rate, applied to the
  updated weights instead of the given ones, the slide's 2 * weight_decay *
  w, weight_decay ignored;
- two parameters updated alternately (a global t); w and dw not modified in
  place; float32 inputs; tiny and zero gradients.
"""
import copy

import numpy as np
import pytest

from autograder.testing import CheckFailed, check_array, check_close, check_unchanged, weight

RULES = ("adam", "adamw")
STATE = ("m", "v", "t")
ADAM_DEFAULTS = {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}
DEFAULTS = {"adam": ADAM_DEFAULTS, "adamw": {**ADAM_DEFAULTS, "weight_decay": 1e-2}}
# Non-default hyperparameters (each differs from its default, so ignoring one shows).
SETTINGS = {"adam": {"learning_rate": 0.05, "beta1": 0.8, "beta2": 0.95, "epsilon": 1e-7},
            "adamw": {"learning_rate": 0.05, "beta1": 0.8, "beta2": 0.95, "epsilon": 1e-7, "weight_decay": 0.2}}
PARTIAL = {"adam": {"learning_rate": 0.01, "beta1": 0.5}, "adamw": {"learning_rate": 0.02, "weight_decay": 0.3}}


# -- the known mistakes, as rules of their own (trusted code, for the hints only) ----------------------------------
def _rule(name, flaw=None, defaults=None):
    """``name`` with one known mistake ``flaw`` (None: the spec's rule), optionally with other defaults."""

    def step(w, dw, config):
        c = dict(DEFAULTS[name])
        c.update(defaults or {})
        c.update(config or {})
        w = np.asarray(w, dtype=np.float64)
        dw = np.asarray(dw, dtype=np.float64)
        lr, b1, b2, eps = c["learning_rate"], c["beta1"], c["beta2"], c["epsilon"]
        wd = c.get("weight_decay", 0.0)
        if flaw == "betas_swapped":
            b1, b2 = b2, b1
        g = dw + wd * w if flaw in ("l2", "l2_and_decay") else dw
        m = np.asarray(c.get("m", np.zeros_like(w)), dtype=np.float64)
        v = np.asarray(c.get("v", np.zeros_like(w)), dtype=np.float64)
        t0 = c.get("t", 1 if flaw == "t_from_one" else 0)
        t = t0 if flaw in ("t_after", "t_from_one") else t0 + 1      # the t used in the correction
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g ** 2
        m_hat = m if flaw in ("no_bias", "no_m_bias") else m / (1 - b1 ** t)
        v_hat = v if flaw in ("no_bias", "no_v_bias") else v / (1 - b2 ** t)
        if flaw == "eps_inside":
            step_ = m_hat / np.sqrt(v_hat + eps)
        elif flaw == "no_sqrt":
            step_ = m_hat / (v_hat + eps)
        elif flaw == "no_eps":
            step_ = m_hat / np.sqrt(v_hat)
        elif flaw == "efficient":
            step_ = np.sqrt(1 - b2 ** t) / (1 - b1 ** t) * m / (np.sqrt(v) + eps)
        else:
            step_ = m_hat / (np.sqrt(v_hat) + eps)
        next_w = w - lr * step_
        if name == "adamw" and flaw != "l2":
            if flaw == "decay_sign":
                next_w = next_w + lr * wd * w
            elif flaw == "decay_no_lr":
                next_w = next_w - wd * w
            elif flaw == "decay_slide":
                next_w = next_w - 2 * wd * w
            elif flaw == "decay_updated_w":
                next_w = next_w - lr * wd * next_w
            elif flaw != "no_decay":
                next_w = next_w - lr * wd * w
        if flaw == "stores_hat":
            m, v = m_hat, v_hat
        if flaw == "t_not_stored":
            c["m"], c["v"] = m, v
            c.pop("t", None)
        else:
            c["m"], c["v"], c["t"] = m, v, (t0 + 1)
        return next_w, c

    return step


ADAM_FLAWS = {
    "no_bias": "Adam's first steps are the wrong size (about 3 times too large with the default betas): is the "
               "bias correction missing? m_hat = m / (1 - beta1**t), v_hat = v / (1 - beta2**t)",
    "no_m_bias": "Adam's first steps are too small: is the bias correction of m missing? m_hat = m / (1 - beta1**t)",
    "no_v_bias": "Adam's first steps are too large: is the bias correction of v missing? v_hat = v / (1 - beta2**t)",
    "t_not_stored": "t must be incremented at every step and stored in config['t']: the bias correction depends on "
                    "the number of steps taken",
    "t_after": "increment t first, then use it in the bias correction (t counts the steps taken, this one "
               "included)",
    "t_from_one": "t counts the steps already taken: it starts at 0 and is incremented before the bias correction, "
                  "so after the first step config['t'] is 1",
    "betas_swapped": "beta1 and beta2 are swapped: m = beta1 * m + (1 - beta1) * dw and "
                     "v = beta2 * v + (1 - beta2) * dw**2",
    "eps_inside": "epsilon goes after the square root: m_hat / (sqrt(v_hat) + epsilon), not "
                  "m_hat / sqrt(v_hat + epsilon)",
    "no_sqrt": "divide by the square root of v_hat: m_hat / (sqrt(v_hat) + epsilon)",
    "no_eps": "epsilon seems to be missing from the denominator: m_hat / (sqrt(v_hat) + epsilon), with the "
              "config's epsilon (default 1e-8)",
    "efficient": "use the spec's formula lr * m_hat / (sqrt(v_hat) + epsilon): the paper's 'efficient' form, which "
                 "folds the corrections into the learning rate, puts epsilon next to the uncorrected sqrt(v)",
    "stores_hat": "store m and v themselves in config, not the bias-corrected m_hat and v_hat",
}
DECAY_FLAWS = {
    "l2": "this is L2 regularisation added to dw, which goes through m and v and gets divided by sqrt(v_hat); "
          "AdamW leaves dw alone and decays the weights separately: next_w -= learning_rate * weight_decay * w",
    "l2_and_decay": "do not add weight_decay * w to dw: in AdamW the decay is only the separate "
                    "next_w -= learning_rate * weight_decay * w",
    "decay_sign": "the decay shrinks the weights: next_w -= learning_rate * weight_decay * w",
    "decay_no_lr": "the decoupled decay is multiplied by the learning rate: "
                   "next_w -= learning_rate * weight_decay * w",
    "decay_slide": "the spec's decay is learning_rate * weight_decay * w (not the slide's 2 * weight_decay * w)",
    "decay_updated_w": "decay the weights given to the rule, w, not the weights after the Adam step: "
                       "next_w -= learning_rate * weight_decay * w",
    "no_decay": "adamw must apply the weight decay: next_w -= learning_rate * weight_decay * w",
}
FLAWS = {"adam": ADAM_FLAWS, "adamw": {**ADAM_FLAWS, **DECAY_FLAWS}}
WRONG_DEFAULTS = {"learning_rate": (1e-2, 1e-4, 1e-1), "beta1": (0.99, 0.5, 0.999), "beta2": (0.99, 0.9, 0.9999),
                  "epsilon": (1e-6, 1e-7, 1e-10), "weight_decay": (0.0, 1e-4, 5e-4, 1e-3, 0.1)}
T_AFTER_HINT = ("at the first step t must already be 1 in the bias correction: with t = 0, 1 - beta**t is 0 and "
                "the correction divides by zero. Increment t first, then use it")


def _flaws(name):
    return {hint: _rule(name, flaw) for flaw, hint in FLAWS[name].items()}


def _default_flaws(name):
    found = {}
    for key, right in DEFAULTS[name].items():
        for wrong in WRONG_DEFAULTS[key]:
            found[f"the default {key} of {name} is {right:g} (yours behaves like {wrong:g})"] = \
                _rule(name, defaults={key: wrong})
    return found


# -- running and comparing ------------------------------------------------------------------------------------------
def _unpack(result, what):
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise CheckFailed(f"{what} should return a tuple (next_w, config), got {type(result).__name__}")
    if not isinstance(result[1], dict):
        raise CheckFailed(f"{what} should return (next_w, config) with config a dict, got "
                          f"{type(result[1]).__name__} as the second value")
    return result


def _check_step(next_w, w, expected, what, hints, inputs, nonfinite_hint=T_AFTER_HINT):
    """Compare the student's step next_w - w with the reference's; hints map to wrong next_w values."""
    w = np.asarray(w, dtype=np.float64)
    arr = check_array(next_w, f"next_w returned by {what}", shape=w.shape, finite=False)
    if not np.all(np.isfinite(arr)):
        raise CheckFailed(f"next_w returned by {what} contains NaN or inf values"
                          + (f". Hint: {nonfinite_hint}" if nonfinite_hint else ""))
    check_close(arr - w, np.asarray(expected, dtype=np.float64) - w, what=f"the step next_w - w of {what}",
                inputs=inputs, mistakes={h: np.asarray(v, dtype=np.float64) - w for h, v in hints.items()})


def _check_state(config, key, expected, what, hints, inputs):
    if key not in config:
        found = ", ".join(repr(k) for k in config) or "none"
        raise CheckFailed(f"the config returned by {what} has no key {key!r} (keys found: {found}): store the "
                          f"state under the spec's name {key!r}")
    check_close(config[key], expected, what=f"config[{key!r}] returned by {what}", inputs=inputs if key != "t" else (),
                mistakes=hints)


def _same(a, b):
    """The hyperparameter the caller gave is still there (a float32 copy of it counts)."""
    try:
        return bool(np.allclose(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64), rtol=1e-6, atol=0))
    except (TypeError, ValueError):
        return False


def _compare(student, reference, name, w0, grads, config, label, flaws=None, nonfinite_hint=T_AFTER_HINT):
    """Run the student's rule and the reference through ``grads`` from (w0, config) and compare every step."""
    given = dict(config or {})
    flaws = flaws or {}
    ref_cfg, stu_cfg = copy.deepcopy(config), copy.deepcopy(config)
    var_cfg = {hint: copy.deepcopy(config) for hint in flaws}
    w = w0
    for k, dw in enumerate(grads):
        what = f"{name} at step {k + 1} of {len(grads)} ({label})"
        ref_w, ref_cfg = getattr(reference, name)(w.copy(), dw.copy(), ref_cfg)
        outs = {}
        with np.errstate(all="ignore"):
            for hint, func in flaws.items():
                outs[hint] = func(w.copy(), dw.copy(), var_cfg[hint])
                var_cfg[hint] = outs[hint][1]
        next_w, stu_cfg = _unpack(getattr(student, name)(w.copy(), dw.copy(), stu_cfg), what)
        _check_step(next_w, w, ref_w, what, {h: o[0] for h, o in outs.items()}, (w, dw), nonfinite_hint)
        for key in STATE:
            _check_state(stu_cfg, key, ref_cfg[key], what,
                         {h: o[1][key] for h, o in outs.items() if key in o[1]}, (w, dw))
        for key, value in given.items():
            if key not in STATE and (key not in stu_cfg or not _same(stu_cfg[key], value)):
                raise CheckFailed(f"the config returned by {what} no longer holds {key}={value!r} given by the "
                                  "caller: return the config you were given, with the state added, so that the "
                                  "next step uses the same hyperparameters")
        w = np.asarray(ref_w)
    return stu_cfg


def _weights(rng, shape=(4, 5)):
    return rng.standard_normal(shape)


def _gradients(rng, steps, shape=(4, 5)):
    """Gradients whose sizes differ between coordinates (1e-2 to 3) and change sign from step to step."""
    scale = 10.0 ** rng.uniform(-2.0, 0.5, size=shape)
    return [scale * rng.standard_normal(shape) for _ in range(steps)]


# -- tests ----------------------------------------------------------------------------------------------------------
@weight(3)
@pytest.mark.parametrize("name", RULES)
def test_many_steps(student, reference, rng, name):
    _compare(student, reference, name, _weights(rng), _gradients(rng, 15), SETTINGS[name],
             f"config {SETTINGS[name]} at the start, then the returned config", _flaws(name))


@weight(2)
@pytest.mark.parametrize("name", RULES)
def test_first_steps_bias_correction(student, reference, rng, name):
    # Default betas, gradients from 1e-3 to 30: with the correction the first step moves every coordinate by
    # about learning_rate; without it, by about 3.2 * learning_rate.
    w = _weights(rng, (10,))
    scale = 10.0 ** rng.uniform(-3.0, 1.5, size=10)
    grads = [scale * rng.standard_normal(10) for _ in range(3)]
    _compare(student, reference, name, w, grads, {"learning_rate": 0.01},
             "learning_rate=0.01, the other hyperparameters at their defaults", _flaws(name))


@pytest.mark.parametrize("name", RULES)
def test_defaults_with_config_none(student, reference, rng, name):
    w = _weights(rng)
    scale = 10.0 ** rng.uniform(-3.0, 0.5, size=w.shape)        # small gradients too: a wrong epsilon shows
    grads = [scale * rng.standard_normal(w.shape) for _ in range(3)]
    _compare(student, reference, name, w, grads, None, "config=None at the first step, then the returned config",
             {**_flaws(name), **_default_flaws(name)})


@pytest.mark.parametrize("name", RULES)
def test_defaults_with_config_omitted(student, reference, rng, name):
    w = _weights(rng)
    scale = 10.0 ** rng.uniform(-3.0, 0.5, size=w.shape)
    grads = [scale * rng.standard_normal(w.shape) for _ in range(2)]
    first_ref = getattr(reference, name)(w.copy(), grads[0].copy(), None)
    for k, dw in enumerate(grads):
        what = f"{name}(w, dw) without a config argument (call {k + 1} of 2, each a first step)"
        next_w, _ = _unpack(getattr(student, name)(w.copy(), dw.copy()), what)
        expected, _ = getattr(reference, name)(w.copy(), dw.copy(), None)
        with np.errstate(all="ignore"):
            outs = {h: f(w.copy(), dw.copy(), None)[0] for h, f in {**_flaws(name), **_default_flaws(name)}.items()}
        if k == 1:
            leak = getattr(reference, name)(w.copy(), dw.copy(), copy.deepcopy(first_ref[1]))[0]
            outs["every call without a config must start from fresh state: a mutable default argument such as "
                 "config={} keeps the state of earlier calls (use config=None and create a new dict)"] = leak
        _check_step(next_w, w, expected, what, outs, (w, dw))


@pytest.mark.parametrize("name", RULES)
def test_partial_config(student, reference, rng, name):
    _compare(student, reference, name, _weights(rng), _gradients(rng, 3), PARTIAL[name],
             f"config {PARTIAL[name]} at the start: the other keys take their defaults",
             {**_flaws(name), **_default_flaws(name)})


@weight(2)
@pytest.mark.parametrize("name", RULES)
def test_state_passed_in(student, reference, rng, name):
    # A caller resuming after 5 steps: the next step is the 6th, and m and v are the uncorrected moments.
    w = _weights(rng)
    config = {**SETTINGS[name], "m": 0.3 * rng.standard_normal(w.shape), "v": rng.uniform(0.01, 1.0, size=w.shape),
              "t": 5}
    _compare(student, reference, name, w, _gradients(rng, 2), config,
             "m, v and t = 5 passed in by the caller", _flaws(name))


@weight(2)
def test_adamw_decoupled_decay(student, reference, rng):
    # Large weights, small gradients and a strong decay: the decay dominates the step, so every way of getting
    # it wrong shows (L2 in dw, sign, the learning rate, the updated weights instead of the given ones).
    w = rng.uniform(2.0, 10.0, size=(3, 4)) * rng.choice([-1.0, 1.0], size=(3, 4))
    grads = [0.05 * rng.standard_normal((3, 4)) for _ in range(3)]
    config = {"learning_rate": 0.1, "weight_decay": 0.5}
    _compare(student, reference, "adamw", w, grads, config, "learning_rate=0.1, weight_decay=0.5, large weights",
             _flaws("adamw"))


def test_adamw_only_decays_when_the_gradient_is_zero(student, reference, rng):
    # dw = 0 from a zero state: m = v = 0, the Adam step is 0 / (0 + epsilon) = 0, only the decay moves w.
    w = rng.uniform(0.5, 5.0, size=8) * rng.choice([-1.0, 1.0], size=8)
    config = {"learning_rate": 0.05, "weight_decay": 0.4}
    _compare(student, reference, "adamw", w, [np.zeros(8), np.zeros(8)], config,
             "dw = 0: the weights only decay, by the factor 1 - learning_rate * weight_decay", _flaws("adamw"))


def test_adamw_without_decay_is_adam(student, reference, rng):
    w = _weights(rng)
    settings = {**SETTINGS["adamw"], "weight_decay": 0.0}
    _compare(student, reference, "adamw", w, _gradients(rng, 3), settings, "weight_decay=0: this is adam",
             {"use the weight_decay given in config (here 0), not the default": _ignores_weight_decay,
              **_flaws("adamw")})


def _ignores_weight_decay(w, dw, config):
    """adamw that always uses the default weight_decay, whatever the config says."""
    return _rule("adamw")(w, dw, {k: v for k, v in (config or {}).items() if k != "weight_decay"})


@pytest.mark.parametrize("name", RULES)
def test_two_parameters_alternately(student, reference, rng, name):
    """A network updates W and b alternately, each with its own config: t and the moments may not be shared."""
    params = {"W": rng.standard_normal((3, 4)), "b": rng.standard_normal(4)}
    ref_cfg = {p: dict(SETTINGS[name]) for p in params}
    stu_cfg = {p: dict(SETTINGS[name]) for p in params}
    for k in range(3):
        for p, w in params.items():
            dw = 10.0 ** rng.uniform(-1.0, 0.3, size=w.shape) * rng.standard_normal(w.shape)
            what = f"{name} for parameter {p} at step {k + 1} (W and b updated alternately, each with its own config)"
            ref_w, ref_cfg[p] = getattr(reference, name)(w.copy(), dw.copy(), ref_cfg[p])
            next_w, stu_cfg[p] = _unpack(getattr(student, name)(w.copy(), dw.copy(), stu_cfg[p]), what)
            _check_step(next_w, w, ref_w, what, {}, (w, dw))
            for key in STATE:
                _check_state(stu_cfg[p], key, ref_cfg[p][key], what, {}, (w, dw))
            params[p] = ref_w


@weight(0.5)
@pytest.mark.parametrize("name", RULES)
def test_does_not_modify_w_or_dw(student, rng, name):
    w, dw = _weights(rng), _gradients(rng, 1)[0]
    w0, dw0 = w.copy(), dw.copy()
    _, config = _unpack(getattr(student, name)(w, dw, dict(SETTINGS[name])), name)
    check_unchanged(w0, w, f"{name}(w, dw, config) at the first step (w)")
    check_unchanged(dw0, dw, f"{name}(w, dw, config) at the first step (dw)")
    getattr(student, name)(w, dw, config)
    check_unchanged(w0, w, f"{name}(w, dw, config) at the second step (w)")
    check_unchanged(dw0, dw, f"{name}(w, dw, config) at the second step (dw)")


@pytest.mark.parametrize("name", RULES)
def test_float32_inputs(student, reference, rng, name):
    # Weights of size ~1 and steps of about 0.05: float32 rounding of next_w (~6e-8 |w|) stays far below the
    # float32 tolerance of 1e-4 on the step. Gradients of 1e-2 to 3: epsilon (1e-7) hardly matters in float32.
    w = _weights(rng).astype(np.float32)
    grads = [g.astype(np.float32) for g in _gradients(rng, 4)]
    _compare(student, reference, name, w, grads, SETTINGS[name], "float32 w and dw")


@weight(1.5)
@pytest.mark.parametrize("name", RULES)
def test_tiny_and_zero_gradients(student, reference, rng, name):
    # Gradients from 1e-7 to 1e-3 and exact zeros, default epsilon (1e-8): near sqrt(epsilon) = 1e-4 and below,
    # sqrt(v_hat) + epsilon and sqrt(v_hat + epsilon) differ by up to a factor 1000; a coordinate whose gradient
    # is always 0 must not move (0 / (0 + epsilon)).
    shape = (4, 5)
    scale = 10.0 ** rng.uniform(-7.0, -3.0, size=shape)
    scale[0, :2] = 0.0
    scale[3, 4] = 0.0
    grads = [scale * rng.standard_normal(shape) for _ in range(3)]
    _compare(student, reference, name, _weights(rng, shape), grads, {"learning_rate": 0.01},
             "gradients from 1e-7 to 1e-3 and some exactly 0, default epsilon", _flaws(name),
             nonfinite_hint="where a gradient has always been 0, v is 0 too: epsilon, added after the square root "
                            "(sqrt(v_hat) + epsilon), keeps 0 / 0 from happening")
