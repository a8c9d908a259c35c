"""Public tests of adam and adamw (spec: optimizers.md).

Expected values are the spec's formulas written out here. The hidden tests
run both rules for many steps, pass state in (m, v and t), check the
defaults, the decoupled weight decay, float32 inputs and tiny gradients.
"""
import numpy as np

from autograder.testing import CheckFailed, check_close, check_unchanged, weight
from public_support import ADAM_NO_BIAS_CORRECTION, ADAM_NO_M_CORRECTION, ADAM_NO_V_CORRECTION, DECAY_SIGN, \
    DECAY_WITHOUT_LR, state, unpack

W = np.array([1.0, -2.0, 0.5, 3.0, -0.25])
DW1 = np.array([0.5, -3e-3, 2.0, -40.0, 1.0])      # gradients of very different sizes
DW2 = np.array([-1.0, 1e-3, 1.5, -20.0, 0.5])


def _adam_by_hand(w, dw, m, v, t, lr, b1=0.9, b2=0.999, eps=1e-8):
    t += 1
    m = b1 * m + (1 - b1) * dw
    v = b2 * v + (1 - b2) * dw ** 2
    return w - lr * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + eps), m, v, t


@weight(1.5)
def test_adam_first_step_moves_each_weight_by_about_lr(student):
    # At t = 1 the corrected moments are m_hat = dw and v_hat = dw**2: the step is lr * dw / (|dw| + eps).
    next_w, config = unpack(student.adam(W.copy(), DW1.copy(), None), "adam(w, dw, None)")
    if not np.all(np.isfinite(np.asarray(next_w, dtype=np.float64))):
        raise CheckFailed("the first step of adam gives NaN or inf values",
                          hint="increment t first, then use it in the bias correction: with t = 0, 1 - beta1**t is 0 "
                               "and the correction divides by zero")
    lr = 1e-3
    m, v = 0.1 * DW1, 0.001 * DW1 ** 2
    check_close(next_w - W, -lr * DW1 / (np.abs(DW1) + 1e-8), what="the first step next_w - w of adam with the "
                "default config", inputs=(W,),
                mistakes={ADAM_NO_BIAS_CORRECTION: -lr * m / (np.sqrt(v) + 1e-8),
                          ADAM_NO_M_CORRECTION: -lr * m / (np.sqrt(v / 0.001) + 1e-8),
                          ADAM_NO_V_CORRECTION: -lr * DW1 / (np.sqrt(v) + 1e-8)})
    check_close(state(config, "t", "adam"), 1, what="config['t'] after the first step of adam")


@weight(1.5)
def test_adam_two_steps(student):
    lr = 0.01
    w1, m1, v1, _ = _adam_by_hand(W, DW1, 0.0, 0.0, 0, lr)
    w2, m2, v2, _ = _adam_by_hand(w1, DW2, m1, v1, 1, lr)
    config = {"learning_rate": lr}
    next_w, config = unpack(student.adam(W.copy(), DW1.copy(), config), "adam")
    check_close(next_w, w1, what="next_w of adam at the first step", inputs=(W,))
    next_w, config = unpack(student.adam(w1.copy(), DW2.copy(), config), "adam")
    check_close(next_w, w2, what="next_w of adam at the second step (m, v and t carried in config)", inputs=(W,))
    check_close(state(config, "m", "adam"), m2, what="config['m'] after two steps of adam", inputs=(W,))
    check_close(state(config, "v", "adam"), v2, what="config['v'] after two steps of adam", inputs=(W,))
    check_close(state(config, "t", "adam"), 2, what="config['t'] after two steps of adam")


def test_adamw_with_zero_gradient_only_decays(student):
    # m and v stay 0, so the Adam step is 0 / (0 + eps) = 0: only the decoupled decay moves w.
    lr, wd = 0.1, 0.5
    next_w, _ = unpack(student.adamw(W.copy(), np.zeros_like(W), {"learning_rate": lr, "weight_decay": wd}),
                        "adamw")
    check_close(next_w, (1 - lr * wd) * W, what="next_w of adamw with dw = 0 (learning_rate=0.1, "
                "weight_decay=0.5)", inputs=(W,),
                mistakes={DECAY_WITHOUT_LR: (1 - wd) * W,
                          DECAY_SIGN: (1 + lr * wd) * W,
                          "this is L2 regularisation added to dw, which goes through m and v; AdamW decays the "
                          "weights separately: next_w -= learning_rate * weight_decay * w":
                          W - lr * np.sign(W) / (1 + 1e-8 / np.abs(wd * W))})


def test_adamw_is_adam_plus_decay(student):
    lr, wd = 0.05, 0.2
    w1, _, _, _ = _adam_by_hand(W, DW1, 0.0, 0.0, 0, lr)
    next_w, _ = unpack(student.adamw(W.copy(), DW1.copy(), {"learning_rate": lr, "weight_decay": wd}), "adamw")
    check_close(next_w, w1 - lr * wd * W, what="next_w of adamw (learning_rate=0.05, weight_decay=0.2)",
                inputs=(W,), mistakes={"decay the weights given, w, not the updated ones":
                                       w1 - lr * wd * w1})


@weight(0.5)
def test_adam_and_adamw_do_not_modify_w(student):
    for name in ("adam", "adamw"):
        w, dw = W.copy(), DW1.copy()
        _, config = unpack(getattr(student, name)(w, dw, {"learning_rate": 0.1}), name)
        unpack(getattr(student, name)(w, dw, config), name)
        check_unchanged(W, w, f"{name}(w, dw, config) (w)")
        check_unchanged(DW1, dw, f"{name}(w, dw, config) (dw)")
