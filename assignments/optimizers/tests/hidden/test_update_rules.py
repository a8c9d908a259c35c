"""Hidden tests of sgd, sgd_momentum, adagrad and rmsprop (spec: optimizers.md).

Every value is compared with the reference on the same inputs. In the
multi-step tests the student's rule and the reference each carry their OWN
returned config from step to step (the grader always uses the config the
rule returns, so updating the state arrays in place and replacing them both
work), while w follows the reference's trajectory, so a mistake shows at the
first step where it matters. What is compared at every step: the step
next_w - w (rather than next_w, so that a small step on large weights is
still checked to full precision) and every state array.

What each test is there to catch (see tests/catalogue/optimizers/wrong/):
- many steps: a sign error, a velocity that is negated or not scaled by the
  learning rate, next_w taken with the old velocity, a velocity not carried
  over, a cache that does not accumulate or is used before the new gradient
  is added, decay_rate and 1 - decay_rate swapped, epsilon inside the square
  root, hyperparameters of the caller ignored or dropped from the returned
  config;
- defaults: config None or missing, wrong default values, a mutable default
  argument (config={}) that keeps state between calls; a partial config
  (some hyperparameters given, no state);
- state passed in: the state keys and their meaning (velocity is the signed
  step already scaled by the learning rate; cache the sum / average of
  squared gradients), so a velocity stored with the opposite sign (which
  gives the same next_w from a zero start) is caught here;
- two parameters updated alternately, each with its own config (state kept
  in globals);
- views: w a transposed matrix and dw a slice with a step, the state the rule
  returns handed back as it came (loops that write through reshape(-1) or
  ravel() of np.copy(w) or np.zeros_like(w) write into copies there);
- w and dw not modified in place; float32 inputs;
- tiny and zero gradients, where epsilon's place matters and 0 / 0 must not
  happen.
"""
import numpy as np
import pytest

from autograder.testing import weight
from public_support import SGD_SIGN
from support import UpdateRules, check_inputs_unchanged, gradients, weights

RULES = ("sgd", "sgd_momentum", "adagrad", "rmsprop")
STATE = {"sgd": (), "sgd_momentum": ("velocity",), "adagrad": ("cache",), "rmsprop": ("cache",)}
DEFAULTS = {"sgd": {"learning_rate": 1e-2},
            "sgd_momentum": {"learning_rate": 1e-2, "momentum": 0.9},
            "adagrad": {"learning_rate": 1e-2, "epsilon": 1e-8},
            "rmsprop": {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8}}
# Non-default hyperparameters (every one of them differs from its default, so ignoring one shows).
SETTINGS = {"sgd": {"learning_rate": 0.05},
            "sgd_momentum": {"learning_rate": 0.05, "momentum": 0.7},
            "adagrad": {"learning_rate": 0.2, "epsilon": 1e-6},
            "rmsprop": {"learning_rate": 0.02, "decay_rate": 0.9, "epsilon": 1e-6}}
# Some hyperparameters given, the others (and the state) missing.
PARTIAL = {"sgd": {}, "sgd_momentum": {"learning_rate": 0.03}, "adagrad": {"epsilon": 1e-5},
           "rmsprop": {"decay_rate": 0.9}}


# -- the known mistakes, as rules of their own (trusted code, for the hints only) ----------------------------------
def _update(name, flaw, w, dw, c):
    """``name`` with one known mistake ``flaw`` (None: the spec's rule); c holds the config and the defaults."""
    lr = c["learning_rate"]
    if name == "sgd":
        return (w + lr * dw if flaw == "sign" else w - lr * dw), c
    if name == "sgd_momentum":
        mu = c["momentum"]
        v = np.asarray(c.get("velocity", np.zeros_like(w)), dtype=np.float64)
        if flaw == "negated":          # v = mu v + lr dw; next_w = w - v
            v = mu * v + lr * dw
            next_w = w - v
        elif flaw == "unscaled":       # the lecture's form: v = mu v + dw; next_w = w - lr v
            v = mu * v + dw
            next_w = w - lr * v
        elif flaw == "old_velocity":   # next_w = w + v before v is updated
            next_w = w + v
            v = mu * v - lr * dw
        elif flaw == "dampened":       # an exponential average: v = mu v - (1 - mu) lr dw
            v = mu * v - (1 - mu) * lr * dw
            next_w = w + v
        elif flaw == "not_carried":    # the new velocity is never stored
            next_w = w + mu * v - lr * dw
        else:
            v = mu * v - lr * dw
            next_w = w + v
        c["velocity"] = v
        return next_w, c
    eps = c["epsilon"]
    cache = np.asarray(c.get("cache", np.zeros_like(w)), dtype=np.float64)
    old = cache
    if name == "adagrad":
        cache = dw ** 2 if flaw == "no_accumulation" else cache + dw ** 2
    else:
        rho = c["decay_rate"]
        if flaw == "swapped":
            cache = (1 - rho) * cache + rho * dw ** 2
        elif flaw == "no_decay":
            cache = cache + dw ** 2
        elif flaw == "no_one_minus":
            cache = rho * cache + dw ** 2
        else:
            cache = rho * cache + (1 - rho) * dw ** 2
    used = old if flaw == "old_cache" else cache
    if flaw == "eps_inside":
        denominator = np.sqrt(used + eps)
    elif flaw == "no_sqrt":
        denominator = used + eps
    elif flaw == "no_eps":
        denominator = np.sqrt(used)
    else:
        denominator = np.sqrt(used) + eps
    c["cache"] = cache
    return w - lr * dw / denominator, c


# Where epsilon goes, the same for both caches.
EPSILON_FLAWS = {
    "eps_inside": "epsilon goes after the square root: dw / (sqrt(cache) + epsilon), not dw / sqrt(cache + epsilon)",
    "no_sqrt": "divide by the square root of the cache: dw / (sqrt(cache) + epsilon)",
    "no_eps": "epsilon seems to be missing from the denominator: dw / (sqrt(cache) + epsilon), with the "
              "config's epsilon (default 1e-8)",
}
FLAWS = {
    "sgd": {"sign": SGD_SIGN},
    "sgd_momentum": {
        "negated": "the velocity has the wrong sign: the spec's velocity is v = momentum * v - learning_rate * dw "
                   "and next_w = w + v (a caller may pass a velocity in, so its sign matters)",
        "unscaled": "the spec's velocity is already scaled by the learning rate: v = momentum * v - "
                    "learning_rate * dw, next_w = w + v (not v = momentum * v + dw, next_w = w - learning_rate * v)",
        "old_velocity": "update the velocity first, then take next_w = w + v with the NEW velocity",
        "dampened": "v = momentum * v - learning_rate * dw, without a factor (1 - momentum) on the gradient",
        "not_carried": "the new velocity must be stored in config['velocity'] and used at the next step",
    },
    "adagrad": {
        "no_accumulation": "the cache accumulates every squared gradient so far: cache += dw**2 (yours keeps only "
                           "the last one)",
        "old_cache": "add dw**2 to the cache first, then divide by sqrt(cache) + epsilon",
        **EPSILON_FLAWS,
    },
    "rmsprop": {
        "swapped": "decay_rate and 1 - decay_rate are swapped: cache = decay_rate * cache + "
                   "(1 - decay_rate) * dw**2",
        "no_decay": "RMSProp's cache is a moving average, cache = decay_rate * cache + (1 - decay_rate) * dw**2, "
                    "not a sum as in Adagrad",
        "no_one_minus": "the new squared gradient is weighted by (1 - decay_rate): "
                        "cache = decay_rate * cache + (1 - decay_rate) * dw**2",
        "old_cache": "update the cache first, then divide by sqrt(cache) + epsilon",
        **EPSILON_FLAWS,
    },
}
# Wrong default values students write (the spec's are in DEFAULTS).
WRONG_DEFAULTS = {"learning_rate": (1e-3, 1e-1, 1e-4), "momentum": (0.5, 0.95, 0.99), "decay_rate": (0.9, 0.999),
                  "epsilon": (1e-6, 1e-7, 1e-10)}
UPDATES = UpdateRules(_update, DEFAULTS, STATE, FLAWS, WRONG_DEFAULTS)


# -- tests ----------------------------------------------------------------------------------------------------------
@weight(3)
@pytest.mark.parametrize("name", RULES)
def test_many_steps(student, reference, rng, name):
    UPDATES.compare(student, reference, name, weights(rng), gradients(rng, 12), SETTINGS[name],
                    f"config {SETTINGS[name]} at the start, then the returned config", UPDATES.flaws(name))


@pytest.mark.parametrize("name", RULES)
def test_defaults_with_config_none(student, reference, rng, name):
    flaws = {**UPDATES.flaws(name), **UPDATES.default_flaws(name)}
    UPDATES.compare(student, reference, name, weights(rng), gradients(rng, 3), None,
                    "config=None at the first step, then the returned config", flaws)


@pytest.mark.parametrize("name", RULES)
def test_defaults_with_config_omitted(student, reference, rng, name):
    w, grads = weights(rng), gradients(rng, 2)
    defaults = UPDATES.default_flaws(name)
    UPDATES.compare_without_config(student, reference, name, w, grads,
                                   [{**UPDATES.flaws(name), **defaults}, defaults])


@pytest.mark.parametrize("name", RULES)
def test_partial_config(student, reference, rng, name):
    flaws = {**UPDATES.flaws(name), **UPDATES.default_flaws(name)}
    UPDATES.compare(student, reference, name, weights(rng), gradients(rng, 3), PARTIAL[name],
                    f"config {PARTIAL[name]} at the start: the other keys take their defaults", flaws)


@weight(1.5)
@pytest.mark.parametrize("name", ["sgd_momentum", "adagrad", "rmsprop"])
def test_state_passed_in(student, reference, rng, name):
    w, grads = weights(rng), gradients(rng, 2)
    key = STATE[name][0]
    if key == "velocity":
        state = 0.3 * rng.standard_normal(w.shape)                    # signed, already scaled by the learning rate
    else:
        state = rng.uniform(0.05, 2.0, size=w.shape)                  # squared gradients: positive
    config = {**SETTINGS[name], key: state}
    UPDATES.compare(student, reference, name, w, grads, config, f"config['{key}'] passed in by the caller",
                    UPDATES.flaws(name))


@pytest.mark.parametrize("name", ["sgd_momentum", "adagrad", "rmsprop"])
def test_two_parameters_alternately(student, reference, rng, name):
    """A network updates W and b alternately, each with its own config: no state may be shared."""
    UPDATES.check_two_parameters(student, reference, rng, name, SETTINGS[name])


@weight(0.5)
@pytest.mark.parametrize("name", RULES)
def test_does_not_modify_w_or_dw(student, rng, name):
    check_inputs_unchanged(student, rng, name, SETTINGS[name])


@pytest.mark.parametrize("name", RULES)
def test_float32_inputs(student, reference, rng, name):
    # Weights of size ~1 and steps of 0.02 or more: float32 rounding of next_w (~6e-8 |w|) stays far below the
    # float32 tolerance of 1e-4 on the step.
    w = weights(rng).astype(np.float32)
    grads = [g.astype(np.float32) for g in gradients(rng, 4)]
    settings = {**SETTINGS[name], "learning_rate": 4 * SETTINGS[name]["learning_rate"]}
    UPDATES.compare(student, reference, name, w, grads, settings, "float32 w and dw")


@weight(1.5)
@pytest.mark.parametrize("name", ["adagrad", "rmsprop"])
def test_tiny_and_zero_gradients(student, reference, rng, name):
    # Gradients from 1e-7 to 1e-3 and exact zeros, default epsilon (1e-8): near sqrt(epsilon) = 1e-4 and below,
    # sqrt(cache) + epsilon and sqrt(cache + epsilon) differ by up to a factor 1000, and a zero gradient gives
    # 0 / 0 without epsilon.
    shape = (4, 5)
    scale = 10.0 ** rng.uniform(-7.0, -3.0, size=shape)
    scale[0, :2] = 0.0
    scale[2, 3] = 0.0
    grads = [scale * rng.standard_normal(shape) for _ in range(3)]
    config = {"learning_rate": 0.1}
    UPDATES.compare(student, reference, name, weights(rng, shape), grads, config,
                    "gradients from 1e-7 to 1e-3 and some exactly 0, default epsilon", UPDATES.flaws(name),
                    nonfinite_hint="where a gradient has always been 0, the cache is 0 too: epsilon, added after "
                                   "the square root (sqrt(cache) + epsilon), keeps 0 / 0 from happening")


@pytest.mark.parametrize("name", RULES)
def test_views(student, reference, rng, name):
    """Parameters and gradients as real code holds them: w a transposed matrix, dw a slice with a step."""
    UPDATES.check_views(student, reference, rng, name, SETTINGS[name])
