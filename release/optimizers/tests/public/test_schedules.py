"""Public tests of warmup_lr, step_decay_lr and cosine_lr (spec: optimizers.md).

Expected values are the spec's formulas, worked out by hand. The hidden
tests check every boundary (t = 0, t = warmup_steps, exact multiples of
step_size, t = total_steps and beyond, zero-length schedules) and more.
"""
import math

from autograder.testing import check_close, check_scalar, expect_raises


def test_warmup(student):
    for t, expected in ((0, 0.01), (5, 0.055), (10, 0.1), (15, 0.1)):
        value = check_scalar(student.warmup_lr(t, 0.01, 0.1, 10), f"warmup_lr({t}, 0.01, 0.1, 10)")
        check_close(value, expected, what=f"warmup_lr(t={t}, lr_init=0.01, lr_base=0.1, warmup_steps=10)")


def test_step_decay(student):
    for epoch, expected in ((0, 0.1), (4, 0.1), (5, 0.05), (12, 0.025)):
        value = check_scalar(student.step_decay_lr(epoch, 0.1, 5, 0.5), f"step_decay_lr({epoch}, 0.1, 5, 0.5)")
        check_close(value, expected, what=f"step_decay_lr(epoch={epoch}, lr=0.1, step_size=5, gamma=0.5)")


def test_cosine(student):
    for t, expected in ((0, 0.1), (50, 0.0505), (100, 0.001), (150, 0.001),
                        (25, 0.001 + 0.0495 * (1 + math.cos(math.pi / 4)))):
        value = check_scalar(student.cosine_lr(t, 0.1, 0.001, 100), f"cosine_lr({t}, 0.1, 0.001, 100)")
        check_close(value, expected, what=f"cosine_lr(t={t}, lr_max=0.1, lr_min=0.001, total_steps=100)")


def test_negative_step_raises_value_error(student):
    expect_raises("ValueError", student.warmup_lr, -1, 0.01, 0.1, 10, what="warmup_lr(t=-1, ...)")
    expect_raises("ValueError", student.step_decay_lr, -1, 0.1, 5, 0.5, what="step_decay_lr(epoch=-1, ...)")
    expect_raises("ValueError", student.cosine_lr, -1, 0.1, 0.001, 100, what="cosine_lr(t=-1, ...)")
