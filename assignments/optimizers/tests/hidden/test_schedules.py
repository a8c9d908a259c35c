"""Hidden tests of warmup_lr, step_decay_lr and cosine_lr (spec: optimizers.md).

Values are compared with the reference at every boundary of each schedule.
What each case is there to catch (see tests/catalogue/optimizers/wrong/):
- warmup_lr: an off-by-one ((t + 1) / warmup_steps, or t / (warmup_steps -
  1)), no clamp after the warm-up (the line keeps rising), lr_init returned
  after the warm-up, lr_init ignored, a division by zero when warmup_steps
  is 0;
- step_decay_lr: round() or ceil() instead of floor() (epoch 7 of 10 and
  epoch 15 of 10 tell them apart, also from Python's round-half-to-even),
  the exponent epoch / step_size without floor, (epoch + 1) // step_size;
- cosine_lr: t / (total_steps - 1), no clamp after total_steps (the cosine
  rises again), 1 - cos instead of 1 + cos, lr_max and lr_min swapped, a
  missing 1/2, a division by zero when total_steps is 0;
- every schedule: ValueError for a negative step, and a single number
  returned (not an array or a list).
"""
import math

import numpy as np
import pytest

from autograder.testing import CheckFailed, check_close, expect_raises, weight


def _number(value, what):
    if isinstance(value, (list, tuple, dict, str, bool)) or value is None or np.ndim(value) != 0:
        kind = f"an array of shape {np.shape(value)}" if isinstance(value, np.ndarray) else type(value).__name__
        raise CheckFailed(f"{what} should return a single number (a float), got {kind}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise CheckFailed(f"{what} returned a {type(value).__name__}, which is not a number") from None
    if not math.isfinite(number):
        raise CheckFailed(f"{what} returned {number}")
    return number


def _check(value, expected, what, hints):
    number = _number(value, what)
    wrong = {}
    for hint, func in hints.items():
        try:
            with np.errstate(all="ignore"):
                candidate = float(func())
        except (ZeroDivisionError, ValueError, OverflowError):
            continue
        if not math.isfinite(candidate) or abs(candidate - expected) <= 1e-12 * abs(expected):
            continue
        same = [h for h, v in wrong.items() if abs(v - candidate) <= 1e-12 * abs(candidate)]
        if same:                                  # two mistakes give this value here: name both
            wrong[f"{same[0]}; or: {hint}"] = wrong.pop(same[0])
        else:
            wrong[hint] = candidate
    check_close(number, expected, what=what, mistakes=wrong)


# -- warmup_lr --------------------------------------------------------------------------------------------------------
WARMUP = [  # t, lr_init, lr_base, warmup_steps
    pytest.param(0, 1e-4, 0.1, 10, id="t0"),
    pytest.param(3, 1e-4, 0.1, 10, id="during"),
    pytest.param(9, 1e-4, 0.1, 10, id="last_warmup_step"),
    pytest.param(10, 1e-4, 0.1, 10, id="t_equals_warmup_steps"),
    pytest.param(11, 1e-4, 0.1, 10, id="just_after"),
    pytest.param(400, 1e-4, 0.1, 10, id="long_after"),
    pytest.param(0, 0.0, 0.05, 0, id="zero_warmup_t0"),
    pytest.param(7, 0.0, 0.05, 0, id="zero_warmup_t7"),
    pytest.param(1, 0.01, 0.2, 1, id="one_step_warmup"),
    pytest.param(2, 0.5, 0.1, 4, id="lr_init_above_lr_base"),
]


def _warmup_hints(t, a, b, T):
    return {
        "off by one: at t = 0 the rate is lr_init, lr_init + (lr_base - lr_init) * t / warmup_steps":
            lambda: a + (b - a) * (t + 1) / T,
        "divide by warmup_steps, not warmup_steps - 1: the rate reaches lr_base at t = warmup_steps":
            lambda: a + (b - a) * t / (T - 1),
        "after the warm-up (t > warmup_steps) the rate stays at lr_base": lambda: a + (b - a) * t / T,
        "after the warm-up the rate is lr_base, not lr_init": lambda: a if t >= T else a + (b - a) * t / T,
        "the warm-up starts from lr_init: lr_init + (lr_base - lr_init) * t / warmup_steps":
            lambda: b * min(t, T) / T,
    }


@pytest.mark.parametrize("t, lr_init, lr_base, warmup_steps", WARMUP)
def test_warmup(student, reference, t, lr_init, lr_base, warmup_steps):
    what = f"warmup_lr(t={t}, lr_init={lr_init:g}, lr_base={lr_base:g}, warmup_steps={warmup_steps})"
    _check(student.warmup_lr(t, lr_init, lr_base, warmup_steps), reference.warmup_lr(t, lr_init, lr_base, warmup_steps),
           what, _warmup_hints(t, lr_init, lr_base, warmup_steps))


# -- step_decay_lr ----------------------------------------------------------------------------------------------------
STEP_DECAY = [  # epoch, lr, step_size, gamma
    pytest.param(0, 0.1, 10, 0.5, id="epoch0"),
    pytest.param(7, 0.1, 10, 0.5, id="rounds_up_but_floor_does_not"),
    pytest.param(9, 0.1, 10, 0.5, id="last_epoch_before_step"),
    pytest.param(10, 0.1, 10, 0.5, id="exact_multiple"),
    pytest.param(15, 0.1, 10, 0.5, id="halfway"),
    pytest.param(30, 0.1, 10, 0.5, id="exact_multiple_3"),
    pytest.param(38, 0.2, 10, 0.1, id="gamma_0.1"),
    pytest.param(4, 0.05, 1, 0.9, id="step_size_1"),
]


def _step_hints(e, lr, s, g):
    return {
        "the exponent is rounded down: floor(epoch / step_size), not round()": lambda: lr * g ** round(e / s),
        "the exponent is rounded down: floor(epoch / step_size), not ceil()": lambda: lr * g ** math.ceil(e / s),
        "the exponent is an integer: floor(epoch / step_size), so the rate changes only every step_size epochs":
            lambda: lr * g ** (e / s),
        "off by one: epoch 0 to step_size - 1 use lr, epoch step_size uses lr * gamma":
            lambda: lr * g ** ((e + 1) // s),
        "the decay is lr * gamma ** floor(epoch / step_size) (gamma, not 1 - gamma)":
            lambda: lr * (1 - g) ** (e // s),
    }


@pytest.mark.parametrize("epoch, lr, step_size, gamma", STEP_DECAY)
def test_step_decay(student, reference, epoch, lr, step_size, gamma):
    what = f"step_decay_lr(epoch={epoch}, lr={lr:g}, step_size={step_size}, gamma={gamma:g})"
    _check(student.step_decay_lr(epoch, lr, step_size, gamma), reference.step_decay_lr(epoch, lr, step_size, gamma),
           what, _step_hints(epoch, lr, step_size, gamma))


# -- cosine_lr --------------------------------------------------------------------------------------------------------
COSINE = [  # t, lr_max, lr_min, total_steps
    pytest.param(0, 0.1, 0.001, 100, id="t0"),
    pytest.param(1, 0.1, 0.001, 100, id="t1"),
    pytest.param(30, 0.1, 0.001, 100, id="during"),
    pytest.param(50, 0.1, 0.001, 100, id="halfway"),
    pytest.param(99, 0.1, 0.001, 100, id="last_step_before_end"),
    pytest.param(100, 0.1, 0.001, 100, id="t_equals_total_steps"),
    pytest.param(150, 0.1, 0.001, 100, id="after_end"),
    pytest.param(1000, 0.1, 0.001, 100, id="long_after_end"),
    pytest.param(0, 0.2, 0.01, 0, id="zero_total_t0"),
    pytest.param(5, 0.2, 0.01, 0, id="zero_total_t5"),
    pytest.param(7, 0.3, 0.0, 10, id="lr_min_zero"),
]


def _cosine_hints(t, hi, lo, T):
    def cos(x):
        return lo + 0.5 * (hi - lo) * (1 + math.cos(x))

    return {
        "divide by total_steps, not total_steps - 1: the rate reaches lr_min at t = total_steps":
            lambda: cos(math.pi * min(t, T - 1) / (T - 1)),
        "after total_steps the rate stays at lr_min (the cosine would rise again)": lambda: cos(math.pi * t / T),
        "use 1 + cos(pi t / total_steps): the rate starts at lr_max and ends at lr_min":
            lambda: lo + 0.5 * (hi - lo) * (1 - math.cos(math.pi * min(t, T) / T)),
        "lr_max and lr_min are swapped": lambda: hi + 0.5 * (lo - hi) * (1 + math.cos(math.pi * min(t, T) / T)),
        "the factor 1/2 is missing: lr_min + 0.5 * (lr_max - lr_min) * (1 + cos(pi t / total_steps))":
            lambda: lo + (hi - lo) * (1 + math.cos(math.pi * min(t, T) / T)),
        "the angle is pi * t / total_steps (in radians)": lambda: cos(min(t, T) / T),
    }


@pytest.mark.parametrize("t, lr_max, lr_min, total_steps", COSINE)
def test_cosine(student, reference, t, lr_max, lr_min, total_steps):
    what = f"cosine_lr(t={t}, lr_max={lr_max:g}, lr_min={lr_min:g}, total_steps={total_steps})"
    _check(student.cosine_lr(t, lr_max, lr_min, total_steps), reference.cosine_lr(t, lr_max, lr_min, total_steps),
           what, _cosine_hints(t, lr_max, lr_min, total_steps))


# -- all three --------------------------------------------------------------------------------------------------------
CALLS = {"warmup_lr": (1e-4, 0.1, 10), "step_decay_lr": (0.1, 10, 0.5), "cosine_lr": (0.1, 0.001, 100)}


@weight(2)
@pytest.mark.parametrize("name", list(CALLS))
def test_negative_step_raises_value_error(student, name):
    for t in (-1, -25):
        expect_raises("ValueError", getattr(student, name), t, *CALLS[name],
                      what=f"{name}({t}, {', '.join(map(str, CALLS[name]))}) (a negative step)")


@pytest.mark.parametrize("name", list(CALLS))
def test_returns_a_single_number(student, name):
    for t in (0, 5, 20, 200):
        _number(getattr(student, name)(t, *CALLS[name]), f"{name}({t}, {', '.join(map(str, CALLS[name]))})")
