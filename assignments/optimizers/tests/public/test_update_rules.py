"""Public tests of sgd, sgd_momentum, adagrad and rmsprop (spec: optimizers.md).

Expected values are the spec's formulas written out here, on small arrays.
The hidden tests run every rule for many steps, pass state in, check the
defaults, float32 inputs and tiny gradients.
"""
import numpy as np

from autograder.testing import check_close, check_unchanged, weight
from public_support import SGD_SIGN, state, unpack

W = np.array([[1.0, -2.0, 0.5], [3.0, -0.25, 1.5]])       # (2, 3)
DW1 = np.array([[0.5, 1.0, -2.0], [0.25, -0.75, 1.25]])
DW2 = np.array([[-1.0, 0.5, 0.25], [2.0, -0.5, 0.75]])


def test_sgd_step(student):
    next_w, _ = unpack(student.sgd(W.copy(), DW1.copy(), {"learning_rate": 0.1}), "sgd(w, dw, config)")
    check_close(next_w, W - 0.1 * DW1, what="next_w of sgd with learning_rate=0.1", inputs=(W,),
                mistakes={SGD_SIGN: W + 0.1 * DW1})


def test_sgd_default_learning_rate(student):
    next_w, _ = unpack(student.sgd(W.copy(), DW1.copy(), None), "sgd(w, dw, None)", none_ok=True)
    check_close(next_w, W - 1e-2 * DW1, what="next_w of sgd with config=None (default learning_rate 1e-2)",
                inputs=(W,))
    next_w, _ = unpack(student.sgd(W.copy(), DW1.copy()), "sgd(w, dw)", none_ok=True)
    check_close(next_w, W - 1e-2 * DW1, what="next_w of sgd(w, dw) without a config", inputs=(W,))


@weight(1.5)
def test_sgd_momentum_two_steps(student):
    lr, mu = 0.1, 0.9
    config = {"learning_rate": lr, "momentum": mu}
    v1 = -lr * DW1
    w1 = W + v1
    v2 = mu * v1 - lr * DW2
    w2 = w1 + v2
    next_w, config = unpack(student.sgd_momentum(W.copy(), DW1.copy(), config), "sgd_momentum")
    check_close(next_w, w1, what="next_w of sgd_momentum at the first step", inputs=(W,))
    check_close(state(config, "velocity", "sgd_momentum"), v1, what="config['velocity'] after the first step",
                inputs=(W,), mistakes={"velocity is the signed step v = momentum * v - learning_rate * dw, "
                                       "so that next_w = w + v (yours has the opposite sign)": -v1,
                                       "velocity is already scaled by the learning rate: "
                                       "v = momentum * v - learning_rate * dw": DW1})
    next_w, config = unpack(student.sgd_momentum(w1.copy(), DW2.copy(), config), "sgd_momentum")
    check_close(next_w, w2, what="next_w of sgd_momentum at the second step (velocity carried in config)",
                inputs=(W,), mistakes={"the velocity of the first step was not carried over: store it in "
                                       "config['velocity'] and use it at the next step": w1 - lr * DW2})
    check_close(state(config, "velocity", "sgd_momentum"), v2, what="config['velocity'] after the second step",
                inputs=(W,))


def test_sgd_momentum_velocity_passed_in(student):
    v0 = np.array([[0.2, -0.1, 0.0], [0.05, 0.3, -0.2]])
    config = {"learning_rate": 0.1, "momentum": 0.5, "velocity": v0.copy()}
    next_w, _ = unpack(student.sgd_momentum(W.copy(), DW1.copy(), config), "sgd_momentum")
    check_close(next_w, W + 0.5 * v0 - 0.1 * DW1, what="next_w of sgd_momentum with a velocity passed in",
                inputs=(W,), mistakes={"velocity is the signed step: next_w = w + v with "
                                       "v = momentum * v - learning_rate * dw": W - (0.5 * v0 + 0.1 * DW1)})


@weight(1.5)
def test_adagrad_two_steps(student):
    lr, eps = 0.5, 1e-8
    c1 = DW1 ** 2
    w1 = W - lr * DW1 / (np.sqrt(c1) + eps)
    c2 = c1 + DW2 ** 2
    w2 = w1 - lr * DW2 / (np.sqrt(c2) + eps)
    next_w, config = unpack(student.adagrad(W.copy(), DW1.copy(), {"learning_rate": lr}), "adagrad")
    check_close(next_w, w1, what="next_w of adagrad at the first step", inputs=(W,))
    check_close(state(config, "cache", "adagrad"), c1, what="config['cache'] of adagrad after the first step",
                inputs=(W,))
    next_w, config = unpack(student.adagrad(w1.copy(), DW2.copy(), config), "adagrad")
    check_close(next_w, w2, what="next_w of adagrad at the second step", inputs=(W,),
                mistakes={"the cache accumulates every squared gradient: cache += dw**2":
                          w1 - lr * DW2 / (np.abs(DW2) + eps)})
    check_close(state(config, "cache", "adagrad"), c2, what="config['cache'] of adagrad after the second step",
                inputs=(W,))


@weight(1.5)
def test_rmsprop_two_steps(student):
    lr, rho, eps = 0.01, 0.9, 1e-8
    c1 = (1 - rho) * DW1 ** 2
    w1 = W - lr * DW1 / (np.sqrt(c1) + eps)
    c2 = rho * c1 + (1 - rho) * DW2 ** 2
    w2 = w1 - lr * DW2 / (np.sqrt(c2) + eps)
    config = {"learning_rate": lr, "decay_rate": rho}
    next_w, config = unpack(student.rmsprop(W.copy(), DW1.copy(), config), "rmsprop")
    check_close(state(config, "cache", "rmsprop"), c1, what="config['cache'] of rmsprop after the first step",
                inputs=(W,), mistakes={"the new squared gradient gets the factor (1 - decay_rate) and the old "
                                       "cache the factor decay_rate, not the other way round": rho * DW1 ** 2})
    check_close(next_w, w1, what="next_w of rmsprop at the first step", inputs=(W,))
    next_w, config = unpack(student.rmsprop(w1.copy(), DW2.copy(), config), "rmsprop")
    check_close(next_w, w2, what="next_w of rmsprop at the second step", inputs=(W,))
    check_close(state(config, "cache", "rmsprop"), c2, what="config['cache'] of rmsprop after the second step",
                inputs=(W,))


@weight(0.5)
def test_rules_do_not_modify_w(student):
    for name in ("sgd", "sgd_momentum", "adagrad", "rmsprop"):
        w, dw = W.copy(), DW1.copy()
        _, config = unpack(getattr(student, name)(w, dw, {"learning_rate": 0.1}), name)
        unpack(getattr(student, name)(w, dw, config), name)
        check_unchanged(W, w, f"{name}(w, dw, config) (w)")
        check_unchanged(DW1, dw, f"{name}(w, dw, config) (dw)")
