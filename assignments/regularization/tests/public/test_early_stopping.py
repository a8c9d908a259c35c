"""Public tests of early_stopping (spec: regularization.md).

Worked by hand from the spec: epochs are numbered from 0; epoch 0 improves;
a later epoch improves when its loss is below the best loss so far by more
than min_delta; training stops at the first epoch that is `patience` epochs
after the last improvement (else at the last epoch); best_epoch is the last
improving epoch up to the stop. The hidden tests check many more curves
(NaN losses, plateaus, min_delta, random curves).
"""
from autograder.testing import CheckFailed, expect_raises


def check(student, losses, patience, min_delta, expected, label):
    value = student.early_stopping(losses, patience, min_delta)
    if not (isinstance(value, (tuple, list)) and len(value) == 2) or tuple(value) != expected:
        raise CheckFailed(f"early_stopping({losses}, patience={patience}, min_delta={min_delta}) ({label}) returned "
                          f"{value!r}, expected {expected}")


def test_never_stops_early(student):
    check(student, [1.0, 0.8, 0.6, 0.5], 2, 0.0, (3, 3), "improves every epoch: stop at the last epoch")


def test_stops_patience_epochs_after_the_best(student):
    # best at epoch 1; epochs 2, 3, 4 do not improve; with patience 3 training stops at 1 + 3 = 4
    check(student, [1.0, 0.5, 0.6, 0.7, 0.55, 0.4, 0.3], 3, 0.0, (4, 1),
          "stop at epoch 4, and the later, lower losses are never seen")


def test_equal_loss_is_not_an_improvement(student):
    check(student, [1.0, 0.5, 0.5, 0.5, 0.5], 2, 0.0, (3, 1), "a plateau of equal losses")


def test_min_delta(student):
    # 0.95 and 0.92 are less than 0.1 below 1.0; 0.85 is 0.15 below; then 0.8 is only 0.05 below 0.85
    check(student, [1.0, 0.95, 0.92, 0.85, 0.8, 0.78, 0.77], 3, 0.1, (6, 3), "improvements smaller than min_delta")


def test_nan_never_improves(student):
    check(student, [1.0, 0.5, float("nan"), float("nan"), 0.4], 2, 0.0, (3, 1), "NaN losses after the best epoch")


def test_patience_zero_raises(student):
    expect_raises("ValueError", student.early_stopping, [1.0, 0.5], 0, what="early_stopping([1.0, 0.5], patience=0)")
