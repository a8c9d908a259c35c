"""Helpers of the optimizers hidden tests.

Never released, and public tests cannot import it: what they share with the
hidden tests is in public_support.py.

:class:`UpdateRules` runs the student's rule and the reference side by side
over several steps and compares every step and every state array; the
known mistakes of each rule are rules of their own (trusted code, for the
hints only). test_adam.py and test_update_rules.py each describe their rules
with one.
"""
import copy

import numpy as np

from autograder.testing import CheckFailed, check_array, check_close, check_unchanged
from public_support import unpack

FRESH_STATE_HINT = ("every call without a config must start from fresh state: a mutable default argument such as "
                    "config={} keeps the state of earlier calls (use config=None and create a new dict)")


class UpdateRules:
    """The update rules of one test file: their defaults, state and known mistakes, and the comparisons.

    ``update(name, flaw, w, dw, c)`` is the rule ``name`` with the known
    mistake ``flaw`` (None: the spec's rule), given w and dw as float64 and
    c, the config with the defaults (``defaults[name]``) filled in; it
    returns (next_w, c) with the new state stored in c. ``state[name]``: the
    keys of the rule's state. ``flaws[name]``: {flaw: hint}.
    ``wrong_defaults``: {hyperparameter: wrong values students write}.
    ``nonfinite_hint``: the hint when next_w holds NaN or inf.
    """

    def __init__(self, update, defaults, state, flaws, wrong_defaults, nonfinite_hint=None):
        self.update, self.defaults, self.state = update, defaults, state
        self.hints, self.wrong_defaults, self.nonfinite_hint = flaws, wrong_defaults, nonfinite_hint

    # -- the known mistakes, as rules of their own ----------------------------------------------------------------
    def rule(self, name, flaw=None, defaults=None):
        """``name`` with one known mistake ``flaw`` (None: the spec's rule), optionally with other defaults."""

        def step(w, dw, config):
            c = dict(self.defaults[name])
            c.update(defaults or {})
            c.update(config or {})
            return self.update(name, flaw, np.asarray(w, dtype=np.float64), np.asarray(dw, dtype=np.float64), c)

        return step

    def flaws(self, name):
        """{hint: rule} of the known mistakes of ``name``."""
        return {hint: self.rule(name, flaw) for flaw, hint in self.hints[name].items()}

    def default_flaws(self, name):
        """{hint: rule} of ``name`` with one default value wrong, as students write them."""
        found = {}
        for key, right in self.defaults[name].items():
            for wrong in self.wrong_defaults[key]:
                found[f"the default {key} of {name} is {right:g} (yours behaves like {wrong:g})"] = \
                    self.rule(name, defaults={key: wrong})
        return found

    # -- running and comparing ------------------------------------------------------------------------------------
    def check_step(self, next_w, w, expected, what, hints, inputs, nonfinite_hint=None):
        """Compare the student's step next_w - w with the reference's; hints map to wrong next_w values."""
        w = np.asarray(w, dtype=np.float64)
        arr = check_array(next_w, f"next_w returned by {what}", shape=w.shape, finite=False)
        if not np.all(np.isfinite(arr)):
            raise CheckFailed(f"next_w returned by {what} contains NaN or inf values",
                              hint=nonfinite_hint or self.nonfinite_hint)
        check_close(arr - w, np.asarray(expected, dtype=np.float64) - w, what=f"the step next_w - w of {what}",
                    inputs=inputs, mistakes={h: np.asarray(v, dtype=np.float64) - w for h, v in hints.items()})

    @staticmethod
    def check_state(config, key, expected, what, hints, inputs):
        """config[key] against the reference's (a count such as t without a float32 tolerance)."""
        if key not in config:
            found = ", ".join(repr(k) for k in config) or "none"
            raise CheckFailed(f"the config returned by {what} has no key {key!r} (keys found: {found}): store the "
                              f"state under the spec's name {key!r}")
        check_close(config[key], expected, what=f"config[{key!r}] returned by {what}",
                    inputs=inputs if key != "t" else (), mistakes=hints)

    def compare(self, student, reference, name, w0, grads, config, label, flaws=None, nonfinite_hint=None):
        """Run the student's rule and the reference through ``grads`` from (w0, config) and compare every step.

        Each carries its OWN returned config from step to step, while w
        follows the reference's trajectory; ``flaws`` {hint: rule} carry
        theirs too.
        """
        given = dict(config or {})
        flaws = flaws or {}
        state = self.state[name]
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
            none_ok = not state and stu_cfg is None  # sgd may hand back the None it got
            next_w, stu_cfg = unpack(getattr(student, name)(w.copy(), dw.copy(), stu_cfg), what, none_ok)
            self.check_step(next_w, w, ref_w, what, {h: o[0] for h, o in outs.items()}, (w, dw), nonfinite_hint)
            for key in state:
                self.check_state(stu_cfg, key, ref_cfg[key], what,
                                 {h: o[1][key] for h, o in outs.items() if key in o[1]}, (w, dw))
            for key, value in given.items():
                if key not in state and (key not in stu_cfg or not _same(stu_cfg[key], value)):
                    raise CheckFailed(f"the config returned by {what} no longer holds {key}={value!r} given by the "
                                      "caller: return the config you were given, with the state added, so that the "
                                      "next step uses the same hyperparameters")
            w = np.asarray(ref_w)
        return stu_cfg

    def compare_without_config(self, student, reference, name, w, grads, hints):
        """``name(w, dw)`` without a config, once per gradient, each a first step; ``hints[k]`` {hint: rule}
        for call k. From the second call on, a result carried over from the first names the mutable default."""
        first_ref = getattr(reference, name)(w.copy(), grads[0].copy(), None)
        for k, dw in enumerate(grads):
            what = f"{name}(w, dw) without a config argument (call {k + 1} of {len(grads)}, each a first step)"
            next_w, _ = unpack(getattr(student, name)(w.copy(), dw.copy()), what, none_ok=not self.state[name])
            expected, _ = getattr(reference, name)(w.copy(), dw.copy(), None)
            with np.errstate(all="ignore"):
                outs = {h: f(w.copy(), dw.copy(), None)[0] for h, f in hints[k].items()}
            if k > 0 and self.state[name]:
                outs[FRESH_STATE_HINT] = getattr(reference, name)(w.copy(), dw.copy(),
                                                                  copy.deepcopy(first_ref[1]))[0]
            self.check_step(next_w, w, expected, what, outs, (w, dw))

    def check_two_parameters(self, student, reference, rng, name, settings):
        """W and b updated alternately for 3 steps, each with its own config: no state may be shared."""
        params = {"W": rng.standard_normal((3, 4)), "b": rng.standard_normal(4)}
        ref_cfg = {p: dict(settings) for p in params}
        stu_cfg = {p: dict(settings) for p in params}
        for k in range(3):
            for p, w in params.items():
                dw = 10.0 ** rng.uniform(-1.0, 0.3, size=w.shape) * rng.standard_normal(w.shape)
                what = (f"{name} for parameter {p} at step {k + 1} (W and b updated alternately, each with its "
                        "own config)")
                ref_w, ref_cfg[p] = getattr(reference, name)(w.copy(), dw.copy(), ref_cfg[p])
                next_w, stu_cfg[p] = unpack(getattr(student, name)(w.copy(), dw.copy(), stu_cfg[p]), what)
                self.check_step(next_w, w, ref_w, what, {}, (w, dw))
                for key in self.state[name]:
                    self.check_state(stu_cfg[p], key, ref_cfg[p][key], what, {}, (w, dw))
                params[p] = ref_w


    def check_views(self, student, reference, rng, name, settings):
        """Three steps where w is the transpose of a stored matrix and dw a slice with a step, as real code
        holds parameters and gradients; the state the rule returns goes back to it as it came."""
        store_w, store_dw = weights(rng, (5, 4)), np.zeros((4, 10))
        ref_cfg, stu_cfg = dict(settings), dict(settings)
        for k, scale in enumerate((1.0, 0.3, 2.0)):
            w = store_w.T                                                  # (4, 5), a transposed view
            store_dw[:, ::2] = scale * gradients(rng, 1)[0]
            dw = store_dw[:, ::2]                                          # (4, 5), a slice with a step
            what = f"{name} at step {k + 1} of 3 (w a transposed view w_stored.T, dw a slice dw_stored[:, ::2])"
            ref_w, ref_cfg = getattr(reference, name)(w.copy(), dw.copy(), ref_cfg)
            next_w, stu_cfg = unpack(getattr(student, name)(w, dw, stu_cfg), what)
            try:
                self.check_step(next_w, w, ref_w, what, {}, (w, dw))
                for key in self.state[name]:
                    self.check_state(stu_cfg, key, ref_cfg[key], what, {}, (w, dw))
            except CheckFailed as exc:
                raise CheckFailed(str(exc), hint=exc.hint or VIEW_HINT) from None
            store_w = np.ascontiguousarray(ref_w).T.copy()


VIEW_HINT = ("w and dw may be views (a transposed matrix, a slice): reshape(-1) and ravel() of such an array, or of "
             "np.copy(w) and np.zeros_like(w), which keep w's layout, are copies, so writing through them changes "
             "nothing; compute with whole arrays, or index the arrays themselves")


def _same(a, b):
    """The hyperparameter the caller gave is still there (a float32 copy of it counts)."""
    try:
        return bool(np.allclose(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64), rtol=1e-6, atol=0))
    except (TypeError, ValueError):
        return False


def check_inputs_unchanged(student, rng, name, settings):
    """Two steps of ``name`` from ``settings`` leave w and dw as they were."""
    w, dw = weights(rng), gradients(rng, 1)[0]
    w0, dw0 = w.copy(), dw.copy()
    _, config = unpack(getattr(student, name)(w, dw, dict(settings)), name)
    check_unchanged(w0, w, f"{name}(w, dw, config) at the first step (w)")
    check_unchanged(dw0, dw, f"{name}(w, dw, config) at the first step (dw)")
    getattr(student, name)(w, dw, config)
    check_unchanged(w0, w, f"{name}(w, dw, config) at the second step (w)")
    check_unchanged(dw0, dw, f"{name}(w, dw, config) at the second step (dw)")


def weights(rng, shape=(4, 5)):
    return rng.standard_normal(shape)


def gradients(rng, steps, shape=(4, 5)):
    """Gradients whose sizes differ between coordinates (1e-2 to 3) and change sign from step to step."""
    scale = 10.0 ** rng.uniform(-2.0, 0.5, size=shape)
    return [scale * rng.standard_normal(shape) for _ in range(steps)]
