"""Each update rule trains a tiny network (the notebook's train_tiny_network).

Everything but the update is the grader's: the spiral data set (3 classes,
180 points, generated here with a fixed seed), the two-layer tanh network
(2 -> 16 -> 3), its initialisation and its full-batch cross-entropy
gradients. The 100 steps run as one call in the student's process
(``student.loop_descend``): the grader's loop there computes each step's
gradient with the grader's network (``probes.tanh_softmax``) and calls the
student's rule once,
on the four parameter arrays (W1, b1, W2, b2) concatenated into one vector,
with one config carried from step to step and the settings of the
notebook's TRAINING_SETTINGS. The weights that come back are checked here,
and the final loss that earns the points is computed here, in the grader's
process, with the same ``probes.tanh_softmax`` (the grader's own copy of the
module: the student's process cannot change it). The notebook calls the
rule once per array, each with its own config; for these elementwise rules
the two give the same numbers, and one call per step keeps grading fast
(sharing no state between separate configs is tested in the other parts). The score is the final training loss against
thresholds.training_loss of assignment.yaml (negated there, so that higher
is better): full credit at a loss of 0.3 or less, none at 0.9 or more (the
loss starts at 1.05), linear in between.

How the thresholds were chosen: with these settings the reference ends at
0.101 (sgd), 0.108 (sgd_momentum), 0.073 (adagrad), 0.057 (rmsprop), 0.032
(adam) and 0.034 (adamw). Over ten other initialisation seeds of the same
recipe the worst reference losses are 0.19 (sgd), 0.22 (sgd_momentum),
0.08 (adagrad), 0.06 (rmsprop), 0.06 (adam) and 0.06 (adamw), so the target
of 0.3 holds with a margin even for an unlucky start, and correct
implementations, which differ from the reference only by rounding, are far
inside it. A rule that goes uphill or stalls (sign errors, a cache that
does not accumulate, hyperparameters ignored) stays near the start and gets
little or nothing.
"""
import numpy as np
import pytest

from autograder.sandbox.probes import tanh_softmax
from autograder.testing import PartialCredit, check_training, threshold_credit, weight

SETTINGS = {
    "sgd": {"learning_rate": 2.0},
    "sgd_momentum": {"learning_rate": 0.2, "momentum": 0.9},
    "adagrad": {"learning_rate": 0.3},
    "rmsprop": {"learning_rate": 0.03, "decay_rate": 0.99},
    "adam": {"learning_rate": 0.05},
    "adamw": {"learning_rate": 0.05, "weight_decay": 0.01},
}
STEPS, HIDDEN, DATA_SEED, INIT_SEED = 100, 16, 0, 1
# The 100 steps run as one call, under this limit instead of limits.call_timeout_s (5 s, one direct call's).
# Measured on one core, gradients included: 30 to 50 ms with the reference and with
# tests/catalogue/optimizers/correct/loops.py (a Python loop over the vector); 10 s leaves a wide margin for a
# loaded machine and slower correct code.
LOOP_BUDGET_S = 10


def make_spirals(n_per_class=60, classes=3, seed=DATA_SEED):
    rng = np.random.default_rng(seed)
    X, y = [], []
    for c in range(classes):
        r = np.linspace(0.1, 1.0, n_per_class)
        angle = c * 2 * np.pi / classes + 3.0 * r + 0.15 * rng.standard_normal(n_per_class)
        X.append(np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1))
        y.append(np.full(n_per_class, c))
    return np.concatenate(X), np.concatenate(y)


def loss(X, y, params) -> float:
    """The network's mean cross-entropy on (X, y), computed here."""
    return tanh_softmax(_pack(params), X, y, HIDDEN, 3)[0]


SHAPES = {"W1": (2, HIDDEN), "b1": (HIDDEN,), "W2": (HIDDEN, 3), "b2": (3,)}
SIZE = sum(int(np.prod(shape)) for shape in SHAPES.values())


def _pack(arrays):
    return np.concatenate([arrays[name].ravel() for name in SHAPES])


def _unpack(theta):
    out, start = {}, 0
    for name, shape in SHAPES.items():
        size = int(np.prod(shape))
        out[name] = theta[start:start + size].reshape(shape)
        start += size
    return out


@weight(1.5)
@pytest.mark.parametrize("rule", list(SETTINGS))
def test_trains_a_tiny_network(student, config, rule):
    threshold = config.threshold("training_loss")
    floor_loss, target_loss = -threshold.floor, -threshold.target
    X, y = make_spirals()
    rng = np.random.default_rng(INIT_SEED)
    params = {"W1": 0.5 * rng.standard_normal((2, HIDDEN)), "b1": np.zeros(HIDDEN),
              "W2": 0.5 * rng.standard_normal((HIDDEN, 3)), "b2": np.zeros(3)}
    start = loss(X, y, params)
    # Stops early, as the loop here did, once the loss is not finite (the weights diverged).
    run = student.with_timeout(LOOP_BUDGET_S).loop_descend(rule, _pack(params), dict(SETTINGS[rule]), STEPS,
                                                           "tanh_softmax", {"X": X, "y": y, "hidden": HIDDEN,
                                                                            "classes": 3})
    params = _unpack(check_training(run)["w"])  # of shape (SIZE,), or the step that went wrong
    with np.errstate(all="ignore"):
        final = float(loss(X, y, params))
    value = -final if np.isfinite(final) else -np.inf
    credit = threshold_credit(value, threshold.floor, threshold.target)
    if credit < 1.0:
        shown = f"{final:.3f}" if np.isfinite(final) else "NaN or inf (the weights diverged)"
        raise PartialCredit(credit, f"a tiny network trained with your {rule} ({SETTINGS[rule]}, 100 full-batch "
                                    f"steps) ends at a training loss of {shown}, "
                                    f"from {start:.2f} at the start: full credit at or below {target_loss:g}, "
                                    f"none at or above {floor_loss:g} (a correct {rule} reaches about 0.1 or "
                                    "less). Check the other tests of this rule first")
