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
  place; float32 inputs; tiny and zero gradients;
- views: w a transposed matrix and dw a slice with a step, as real code
  holds them.
"""
import numpy as np
import pytest

from autograder.testing import weight
from public_support import ADAM_NO_BIAS_CORRECTION, ADAM_NO_M_CORRECTION, ADAM_NO_V_CORRECTION, DECAY_SIGN, \
    DECAY_WITHOUT_LR
from support import UpdateRules, check_inputs_unchanged, gradients, weights

RULES = ("adam", "adamw")
STATE = ("m", "v", "t")
ADAM_DEFAULTS = {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}
DEFAULTS = {"adam": ADAM_DEFAULTS, "adamw": {**ADAM_DEFAULTS, "weight_decay": 1e-2}}
# Non-default hyperparameters (each differs from its default, so ignoring one shows).
SETTINGS = {"adam": {"learning_rate": 0.05, "beta1": 0.8, "beta2": 0.95, "epsilon": 1e-7},
            "adamw": {"learning_rate": 0.05, "beta1": 0.8, "beta2": 0.95, "epsilon": 1e-7, "weight_decay": 0.2}}
PARTIAL = {"adam": {"learning_rate": 0.01, "beta1": 0.5}, "adamw": {"learning_rate": 0.02, "weight_decay": 0.3}}


# -- the known mistakes, as rules of their own (trusted code, for the hints only) ----------------------------------
def _update(name, flaw, w, dw, c):
    """``name`` with one known mistake ``flaw`` (None: the spec's rule); c holds the config and the defaults."""
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


ADAM_FLAWS = {
    "no_bias": ADAM_NO_BIAS_CORRECTION,
    "no_m_bias": ADAM_NO_M_CORRECTION,
    "no_v_bias": ADAM_NO_V_CORRECTION,
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
    "decay_sign": DECAY_SIGN,
    "decay_no_lr": DECAY_WITHOUT_LR,
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
ADAM = UpdateRules(_update, DEFAULTS, {name: STATE for name in RULES}, FLAWS, WRONG_DEFAULTS, T_AFTER_HINT)


# -- tests ----------------------------------------------------------------------------------------------------------
@weight(3)
@pytest.mark.parametrize("name", RULES)
def test_many_steps(student, reference, rng, name):
    ADAM.compare(student, reference, name, weights(rng), gradients(rng, 15), SETTINGS[name],
                 f"config {SETTINGS[name]} at the start, then the returned config", ADAM.flaws(name))


@weight(2)
@pytest.mark.parametrize("name", RULES)
def test_first_steps_bias_correction(student, reference, rng, name):
    # Default betas, gradients from 1e-3 to 30: with the correction the first step moves every coordinate by
    # about learning_rate; without it, by about 3.2 * learning_rate.
    w = weights(rng, (10,))
    scale = 10.0 ** rng.uniform(-3.0, 1.5, size=10)
    grads = [scale * rng.standard_normal(10) for _ in range(3)]
    ADAM.compare(student, reference, name, w, grads, {"learning_rate": 0.01},
                 "learning_rate=0.01, the other hyperparameters at their defaults", ADAM.flaws(name))


@pytest.mark.parametrize("name", RULES)
def test_defaults_with_config_none(student, reference, rng, name):
    w = weights(rng)
    scale = 10.0 ** rng.uniform(-3.0, 0.5, size=w.shape)        # small gradients too: a wrong epsilon shows
    grads = [scale * rng.standard_normal(w.shape) for _ in range(3)]
    ADAM.compare(student, reference, name, w, grads, None, "config=None at the first step, then the returned config",
                 {**ADAM.flaws(name), **ADAM.default_flaws(name)})


@pytest.mark.parametrize("name", RULES)
def test_defaults_with_config_omitted(student, reference, rng, name):
    w = weights(rng)
    scale = 10.0 ** rng.uniform(-3.0, 0.5, size=w.shape)
    grads = [scale * rng.standard_normal(w.shape) for _ in range(2)]
    hints = {**ADAM.flaws(name), **ADAM.default_flaws(name)}
    ADAM.compare_without_config(student, reference, name, w, grads, [hints, hints])


@pytest.mark.parametrize("name", RULES)
def test_partial_config(student, reference, rng, name):
    ADAM.compare(student, reference, name, weights(rng), gradients(rng, 3), PARTIAL[name],
                 f"config {PARTIAL[name]} at the start: the other keys take their defaults",
                 {**ADAM.flaws(name), **ADAM.default_flaws(name)})


@weight(2)
@pytest.mark.parametrize("name", RULES)
def test_state_passed_in(student, reference, rng, name):
    # A caller resuming after 5 steps: the next step is the 6th, and m and v are the uncorrected moments.
    w = weights(rng)
    config = {**SETTINGS[name], "m": 0.3 * rng.standard_normal(w.shape), "v": rng.uniform(0.01, 1.0, size=w.shape),
              "t": 5}
    ADAM.compare(student, reference, name, w, gradients(rng, 2), config,
                 "m, v and t = 5 passed in by the caller", ADAM.flaws(name))


@weight(2)
def test_adamw_decoupled_decay(student, reference, rng):
    # Large weights, small gradients and a strong decay: the decay dominates the step, so every way of getting
    # it wrong shows (L2 in dw, sign, the learning rate, the updated weights instead of the given ones).
    w = rng.uniform(2.0, 10.0, size=(3, 4)) * rng.choice([-1.0, 1.0], size=(3, 4))
    grads = [0.05 * rng.standard_normal((3, 4)) for _ in range(3)]
    config = {"learning_rate": 0.1, "weight_decay": 0.5}
    ADAM.compare(student, reference, "adamw", w, grads, config, "learning_rate=0.1, weight_decay=0.5, large weights",
                 ADAM.flaws("adamw"))


def test_adamw_only_decays_when_the_gradient_is_zero(student, reference, rng):
    # dw = 0 from a zero state: m = v = 0, the Adam step is 0 / (0 + epsilon) = 0, only the decay moves w.
    w = rng.uniform(0.5, 5.0, size=8) * rng.choice([-1.0, 1.0], size=8)
    config = {"learning_rate": 0.05, "weight_decay": 0.4}
    ADAM.compare(student, reference, "adamw", w, [np.zeros(8), np.zeros(8)], config,
                 "dw = 0: the weights only decay, by the factor 1 - learning_rate * weight_decay", ADAM.flaws("adamw"))


def test_adamw_without_decay_is_adam(student, reference, rng):
    w = weights(rng)
    settings = {**SETTINGS["adamw"], "weight_decay": 0.0}

    def ignores_weight_decay(w, dw, config):
        """adamw that always uses the default weight_decay, whatever the config says."""
        return ADAM.rule("adamw")(w, dw, {k: v for k, v in (config or {}).items() if k != "weight_decay"})

    ADAM.compare(student, reference, "adamw", w, gradients(rng, 3), settings, "weight_decay=0: this is adam",
                 {"use the weight_decay given in config (here 0), not the default": ignores_weight_decay,
                  **ADAM.flaws("adamw")})


@pytest.mark.parametrize("name", RULES)
def test_two_parameters_alternately(student, reference, rng, name):
    """A network updates W and b alternately, each with its own config: t and the moments may not be shared."""
    ADAM.check_two_parameters(student, reference, rng, name, SETTINGS[name])


@weight(0.5)
@pytest.mark.parametrize("name", RULES)
def test_does_not_modify_w_or_dw(student, rng, name):
    check_inputs_unchanged(student, rng, name, SETTINGS[name])


@pytest.mark.parametrize("name", RULES)
def test_float32_inputs(student, reference, rng, name):
    # Weights of size ~1 and steps of about 0.05: float32 rounding of next_w (~6e-8 |w|) stays far below the
    # float32 tolerance of 1e-4 on the step. Gradients of 1e-2 to 3: epsilon (1e-7) hardly matters in float32.
    w = weights(rng).astype(np.float32)
    grads = [g.astype(np.float32) for g in gradients(rng, 4)]
    ADAM.compare(student, reference, name, w, grads, SETTINGS[name], "float32 w and dw")


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
    ADAM.compare(student, reference, name, weights(rng, shape), grads, {"learning_rate": 0.01},
                 "gradients from 1e-7 to 1e-3 and some exactly 0, default epsilon", ADAM.flaws(name),
                 nonfinite_hint="where a gradient has always been 0, v is 0 too: epsilon, added after the square "
                                "root (sqrt(v_hat) + epsilon), keeps 0 / 0 from happening")


@pytest.mark.parametrize("name", RULES)
def test_views(student, reference, rng, name):
    """Parameters and gradients as real code holds them: w a transposed matrix, dw a slice with a step."""
    ADAM.check_views(student, reference, rng, name, SETTINGS[name])
