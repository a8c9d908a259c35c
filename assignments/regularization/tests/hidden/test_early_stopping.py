"""Hidden tests of early_stopping (spec: regularization.md).

Deterministic: results are compared exactly with the spec's semantics, as
Keras' and Lightning's EarlyStopping count epochs:
- epoch 0 improves; a later epoch improves when loss < best - min_delta
  (strictly: an improvement of exactly min_delta is not enough), where best is
  the loss of the last improving epoch, not of the previous epoch; NaN never
  improves but counts as an epoch without improvement;
- stop at the first epoch that is `patience` epochs after the last
  improvement, else at the last epoch;
- best_epoch is the last improving epoch up to and including stop_epoch.

All losses are multiples of 1/64 below 4 and all min_delta values multiples
of 1/16, so every comparison is exact in floating point and the equivalent
ways of writing the test (loss < best - d, best - loss > d, loss + d < best)
agree.

Each hand-made case targets one mistake (named in `MISTAKES` below); a known
mistake is recognised by running the mistaken rule on the same input, and
its hint is shown. Messages describe the case, never the expected answer.
"""
import math

import numpy as np
import pytest

from autograder.testing import CheckFailed, check_unchanged, expect_raises, weight

NAN = float("nan")


# -- the spec's rule and the mistaken ones, for the hints ---------------------------------------------------

def rule(losses, patience, min_delta=0.0, improves=None, late=0, best_is_min=False, update_best_on_any_drop=False,
         nan_skipped=False, best_over_all=False, last_is_len=False, previous=False):
    """The spec's early stopping, or one known mistake when an option is set."""
    improves = improves or (lambda loss, ref, d: loss < ref - d)
    best_loss, best_epoch, last_loss, wait = losses[0], 0, losses[0], 0
    stop = None
    for epoch in range(1, len(losses)):
        loss = losses[epoch]
        if nan_skipped and math.isnan(loss):
            continue
        ref = last_loss if previous else best_loss
        if improves(loss, ref, min_delta):
            best_loss, best_epoch, wait = loss, epoch, 0
        else:
            wait += 1
            if update_best_on_any_drop and loss < best_loss:
                best_loss = loss
            if wait >= patience + late:
                stop = epoch
                break
        last_loss = loss
    if stop is None:
        stop = len(losses) if last_is_len else len(losses) - 1
    if best_over_all:
        best_epoch = int(np.nanargmin(losses))
    elif best_is_min:
        best_epoch = int(np.nanargmin(losses[:stop + 1]))
    return stop, best_epoch


MISTAKES = {   # most specific first: the off-by-one rules coincide with others on some cases
    "a NaN loss seems to count as an improvement; a NaN loss never improves":
        dict(improves=lambda loss, ref, d: not loss >= ref - d),
    "NaN epochs seem to be skipped; a NaN loss is an epoch without improvement and counts towards the patience":
        dict(nan_skipped=True),
    "improvement must be strict, loss < best - min_delta: an equal loss (min_delta = 0), or a drop of exactly "
    "min_delta, is not an improvement": dict(improves=lambda loss, ref, d: loss <= ref - d),
    "min_delta seems to be ignored: an epoch improves only when loss < best - min_delta":
        dict(improves=lambda loss, ref, d: loss < ref),
    "min_delta has the wrong sign: an epoch improves when loss < best - min_delta, not best + min_delta":
        dict(improves=lambda loss, ref, d: loss < ref + d),
    "the best loss is lowered by a drop smaller than min_delta; it must stay the loss of the last improving epoch":
        dict(update_best_on_any_drop=True),
    "each epoch is compared with the previous epoch; compare with the best loss so far (the loss of the last "
    "improving epoch)": dict(previous=True),
    "best_epoch looks like the epoch of the lowest loss; it is the last IMPROVING epoch (with min_delta > 0 a "
    "slightly lower loss later is not an improvement)": dict(best_is_min=True),
    "best_epoch looks like the best epoch of the whole list; it must be the last improving epoch up to "
    "stop_epoch (later epochs are never trained)": dict(best_over_all=True),
    "without a stop, stop_epoch is the LAST epoch, len(val_losses) - 1 (epochs are numbered from 0)":
        dict(last_is_len=True),
    "stops one epoch late: stop at the first epoch where the number of epochs since the last improvement equals "
    "patience (last improvement at epoch 4, patience 2: stop at epoch 6)": dict(late=1),
    "stops one epoch early: stop at the first epoch where the number of epochs since the last improvement equals "
    "patience (last improvement at epoch 4, patience 2: stop at epoch 6)": dict(late=-1),
}


def hint_for(got, losses, patience, min_delta):
    """The hints of the known mistakes that give `got` on this input (at most two), or None."""
    expected = rule(losses, patience, min_delta)
    found = [hint for hint, options in MISTAKES.items()
             if rule(losses, patience, min_delta, **options) == got != expected]
    return ". Or: ".join(found[:2]) or None


def call(student, losses, patience, min_delta=None):
    if min_delta is None:
        value = student.early_stopping(losses, patience)
    else:
        value = student.early_stopping(losses, patience, min_delta)
    if not (isinstance(value, (tuple, list)) and len(value) == 2):
        raise CheckFailed(f"early_stopping must return a pair (stop_epoch, best_epoch), got {value!r}")
    try:
        got = tuple(float(v) for v in value)
    except (TypeError, ValueError):
        raise CheckFailed(f"early_stopping must return two epoch numbers, got {value!r}") from None
    if not all(g.is_integer() for g in got):
        raise CheckFailed(f"early_stopping must return two whole epoch numbers, got {value!r}")
    return tuple(int(g) for g in got)


def check_case(student, label, losses, patience, min_delta=None):
    got = call(student, list(losses), patience, min_delta)
    d = 0.0 if min_delta is None else min_delta
    if got == rule(losses, patience, d):
        return
    args = f"patience={patience}" + ("" if min_delta is None else f", min_delta={min_delta}")
    message = (f"early_stopping(val_losses, {args}) for {label} ({len(losses)} epochs) returned "
               f"(stop_epoch, best_epoch) = {got}, which is wrong")
    hint = hint_for(got, losses, patience, d)
    raise CheckFailed(message, hint=hint)


# -- hand-made cases, one mistake each ------------------------------------------------------------------------

CASES = {
    "steady_improvement": ("a loss that improves at every epoch", [1.0, 0.875, 0.75, 0.625, 0.5], 2, None),
    "stop_after_patience": ("a loss that improves, then rises, with a better loss after the stop",
                            [1.0, 0.75, 0.5, 0.625, 0.75, 0.875, 1.0, 1.125, 0.25, 0.125], 3, None),
    "patience_one": ("a loss that rises right after its best epoch, patience 1",
                     [1.0, 0.5, 0.75, 0.25, 1.0], 1, None),
    "plateau": ("a loss that stays exactly equal after its best epoch",
                [1.0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5], 2, None),
    "bump_then_partial_recovery": ("a loss that rises, then falls again without getting below its best",
                                   [1.0, 0.5, 0.75, 0.625, 0.5625, 0.53125, 0.75], 3, None),
    "nan_in_middle": ("a loss with NaN epochs in the middle",
                      [1.0, 0.75, NAN, NAN, 0.5, NAN, NAN, NAN, 0.25], 3, None),
    "nan_after_best": ("a loss that becomes NaN after its best epoch",
                       [1.0, 0.5, NAN, NAN, NAN, 0.25], 2, None),
    "small_steps_below_min_delta": ("steps of 1/16 with min_delta = 1/8",
                                    [1.0, 0.9375, 0.875, 0.75, 0.6875, 0.625, 0.5625, 0.5], 2, 0.125),
    "step_of_exactly_min_delta": ("a step of exactly min_delta", [1.0, 0.75, 0.5, 0.25, 0.0], 1, 0.25),
    "min_delta_sign": ("a loss that creeps up by less than min_delta",
                       [1.0, 0.5, 0.5625, 0.5625, 0.625, 0.5, 0.75], 2, 0.125),
    "drops_below_min_delta_accumulate": ("drops smaller than min_delta that add up to more than min_delta",
                                         [1.0, 0.875, 0.8125, 0.6875, 0.5], 3, 0.25),
    "patience_longer_than_training": ("a loss that only rises, with patience longer than the list",
                                      [1.0, 2.0, 3.0], 5, None),
    "single_epoch": ("a single epoch", [0.5], 1, None),
    "stop_at_last_epoch": ("a list that ends exactly at the stop", [1.0, 0.5, 0.75, 0.75, 0.75], 3, None),
}


@weight(1.5)
@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_hand_made_case(student, case):
    label, losses, patience, min_delta = CASES[case]
    check_case(student, label, losses, patience, min_delta)


def random_curves(rng, count):
    """Loss curves on a grid of 1/64 (exact comparisons), some with NaN epochs (never epoch 0)."""
    curves = []
    for _ in range(count):
        length = int(rng.integers(2, 26))
        steps = rng.integers(-12, 9, size=length)                  # a downward drift with noise
        losses = (192 + np.cumsum(steps)).clip(1, 255) / 64.0      # in [1/64, 255/64]
        losses = [float(v) for v in losses]
        if rng.random() < 0.25:
            for i in rng.integers(1, length, size=int(rng.integers(1, 4))):
                losses[int(i)] = NAN
        patience = int(rng.integers(1, 6))
        min_delta = float(rng.choice([0.0, 0.0, 1 / 16, 1 / 8, 1 / 4]))
        curves.append((losses, patience, min_delta))
    return curves


@weight(4)
def test_random_curves(student, rng):
    curves = random_curves(rng, 150)
    wrong = []
    for losses, patience, min_delta in curves:
        got = call(student, list(losses), patience, min_delta)
        if got != rule(losses, patience, min_delta):
            wrong.append((losses, patience, min_delta, got))
    if wrong:
        losses, patience, min_delta, got = wrong[0]
        kind = "with NaN epochs" if any(math.isnan(v) for v in losses) else "without NaN"
        hint = hint_for(got, losses, patience, min_delta)
        raise CheckFailed(f"early_stopping is wrong on {len(wrong)} of {len(curves)} random loss curves; the first "
                          f"is a curve of {len(losses)} epochs {kind}, patience={patience}, min_delta={min_delta:g}: "
                          f"it returned {got}", hint=hint)


def test_default_min_delta_is_zero(student):
    check_case(student, "a loss with tiny improvements, min_delta not given",
               [1.0, 0.984375, 0.96875, 0.953125, 0.9375, 0.921875], 1)


@pytest.mark.parametrize("patience", [0, -1])
def test_patience_below_one_raises(student, patience):
    expect_raises("ValueError", student.early_stopping, [1.0, 0.5, 0.25], patience,
                  what=f"early_stopping(val_losses, patience={patience})")


def test_empty_list_raises(student):
    expect_raises("ValueError", student.early_stopping, [], 3, what="early_stopping([], patience=3)")


@weight(0.5)
def test_val_losses_not_modified(student):
    losses = [1.0, 0.5, 0.75, 0.25, 0.875, 1.0, 0.375]
    given = list(losses)
    call(student, given, 2, 0.0)
    check_unchanged(np.array(losses), np.array(given), "early_stopping(val_losses, patience=2)")
