"""Hidden tests of part 5: the deep network, its training and its evaluation.

The forward pass (train and eval modes, with and without batch norm) and the
backward pass are compared with the reference on small random networks; the
backward pass with dropout is compared with central differences through the
student's own forward pass, the masks fixed by a seeded generator (the
student's masks need not be the reference's). fc_net_predict is compared
with the reference on given weights whose running statistics are far from
the defaults.

The graded run: the student's train_fc_net trains in the sandbox on the
public spirals (all 600 points) with the recipe of assignment.yaml
(settings) and returns plain weights; the REFERENCE's fc_net_predict scores
them in the grader's process on the 900 held-out points of
data/spirals_heldout.npz, which never reach the student's process.

What each test is there to catch (tests/catalogue/normalization/wrong/int_*):
dropout left on at evaluation; batch norm in train mode at evaluation;
batch-norm state made anew at every step or passed as a copy (the running
statistics never accumulate); running statistics not saved, or not used by
fc_net_predict; the dropout mask or the ReLU's mask wrong in the backward
pass; one Adam state shared by all parameters; a ReLU on the output layer.
"""
import copy

import numpy as np
import pytest

from autograder.testing import CheckFailed, PartialCredit, check_array, check_close, threshold_credit, weight
from public_support import SPIRALS, check_network_gradient, fc_forward, fc_grads, fresh_states, network, \
    network_gradient, recipe, running, saved_weights

HELDOUT = "spirals_heldout.npz"
EVAL_USES_BATCH = ("with train=False, batch norm must normalize with the running statistics of bn_params "
                   "(mode 'test'), not with the statistics of the batch")
PREDICT_TRAIN_MODE = "fc_net_predict must evaluate the network: train=False (running statistics, no dropout)"
PREDICT_DEFAULT_STATS = ("fc_net_predict must hand the running statistics saved in weights (running_mean{l}, "
                         "running_var{l}) to batch norm, not start from the defaults")


def _case(rng, dims, n, batchnorm=True):
    X = rng.standard_normal((n, dims[0])) * rng.uniform(0.5, 3.0, size=dims[0]) + rng.uniform(-1, 1, size=dims[0])
    return X, network(rng, dims, batchnorm)


def _states(rng, dims):
    return [{"running_mean": rng.standard_normal(dims[l]), "running_var": rng.uniform(0.3, 3.0, size=dims[l])}
            for l in range(1, len(dims) - 1)]


DEEP = (4, 6, 5, 7, 3)


@pytest.mark.parametrize("batchnorm", [True, False])
def test_training_forward_matches_reference(student, reference, rng, batchnorm):
    X, params = _case(rng, DEEP, 9, batchnorm)
    mine, theirs = (fresh_states(3), fresh_states(3)) if batchnorm else (None, None)
    expected, _ = reference.fc_net_forward(X, params, theirs, 0.0, True, np.random.default_rng(0))
    scores, _ = fc_forward(student, X, params, mine, 0.0, True, np.random.default_rng(0), "train=True, p=0")
    what = f"fc_net_forward(train=True, p=0) {'with' if batchnorm else 'without'} batch norm, 3 hidden layers"
    check_close(scores, expected, what=what, inputs=(X,))
    for l in range(len(theirs or [])):
        for key in ("running_mean", "running_var"):
            what = f"bn_params[{l}][{key!r}] after a training step of the network"
            check_close(running(mine, l, key, what), theirs[l][key], what=what, inputs=(X,))


def test_evaluation_forward_matches_reference(student, reference, rng):
    X, params = _case(rng, DEEP, 7)
    states = _states(rng, DEEP)
    expected, _ = reference.fc_net_forward(X, params, copy.deepcopy(states), 0.0, False, None)
    batch_stats, _ = reference.fc_net_forward(X, params, fresh_states(3), 0.0, True, np.random.default_rng(0))
    before = copy.deepcopy(states)
    scores, _ = fc_forward(student, X, params, states, 0.0, False, np.random.default_rng(1), "train=False, p=0")
    check_close(scores, expected, what="fc_net_forward(train=False, p=0) with running statistics in bn_params",
                inputs=(X,), mistakes={EVAL_USES_BATCH: batch_stats})
    for l in range(3):
        for key in ("running_mean", "running_var"):
            what = f"bn_params[{l}][{key!r}] after an evaluation (train=False)"
            check_close(running(states, l, key, what), before[l][key], inputs=(X,),
                        what=f"{what}: evaluation must not change the running statistics")


def test_evaluation_turns_dropout_off(student, reference, rng):
    X, params = _case(rng, DEEP, 7)
    states = _states(rng, DEEP)
    expected, _ = reference.fc_net_forward(X, params, copy.deepcopy(states), 0.6, False, None)
    first, _ = fc_forward(student, X, params, copy.deepcopy(states), 0.6, False, np.random.default_rng(2),
                          "train=False, p=0.6")
    second, _ = fc_forward(student, X, params, copy.deepcopy(states), 0.6, False, np.random.default_rng(3),
                           "train=False, p=0.6")
    first = check_array(first, "fc_net_forward(train=False, p=0.6)'s scores", shape=expected.shape)
    if not np.array_equal(first, check_array(second, "fc_net_forward(train=False, p=0.6)'s scores",
                                             shape=expected.shape)):
        raise CheckFailed("fc_net_forward(train=False, p=0.6) gave different scores for different generators",
                          hint="dropout must be off when train=False: pass train to dropout_forward")
    check_close(first, expected, what="fc_net_forward(train=False, p=0.6)", inputs=(X,))


@pytest.mark.parametrize("batchnorm", [True, False])
def test_backward_matches_reference(student, reference, rng, batchnorm):
    X, params = _case(rng, DEEP, 8, batchnorm)
    ref_scores, ref_cache = reference.fc_net_forward(X, params, fresh_states(3) if batchnorm else None, 0.0, True,
                                                     np.random.default_rng(0))
    dscores = rng.standard_normal(ref_scores.shape)
    expected = reference.fc_net_backward(dscores, ref_cache)
    _, cache = fc_forward(student, X, params, fresh_states(3) if batchnorm else None, 0.0, True,
                          np.random.default_rng(0), "train=True, p=0")
    what = f"p=0, {'with' if batchnorm else 'without'} batch norm, 3 hidden layers"
    grads = fc_grads(student, dscores, cache, params, what)
    scale = max(float(np.max(np.abs(g))) for g in expected.values())
    for name in params:
        # Relative to the network's largest gradient where a gradient is ~0: with batch norm, b1..b3 (see
        # public_support.check_network_gradient) come out as rounding noise of ~1e-16, differently in each formula.
        check_network_gradient(grads[name], expected[name], scale, f"fc_net_backward's grads[{name!r}] ({what})",
                               tol=1e-7)


def test_backward_through_dropout(student, rng):
    dims = (3, 6, 5, 3)
    X, params = _case(rng, dims, 8)
    scores, cache = fc_forward(student, X, params, fresh_states(2), 0.4, True, np.random.default_rng(5),
                               "train=True, p=0.4")
    scores = check_array(scores, "fc_net_forward(train=True, p=0.4)'s scores", shape=(8, 3))
    dscores = rng.standard_normal(scores.shape)
    grads = fc_grads(student, dscores, cache, params, "p=0.4, with batch norm")
    expected = {name: network_gradient(student, X, params, dscores, 0.4, 5, name)
                for name in ("W1", "b1", "gamma1", "beta1", "W2", "b3")}
    scale = max(float(np.max(np.abs(g))) for g in expected.values())
    for name, value in expected.items():
        check_network_gradient(grads[name], value, scale, f"fc_net_backward's grads[{name!r}] with dropout p=0.4 "
                               "(central differences through your forward pass, the same dropout masks at every call)")


def _trained_weights(rng, dims):
    weights = network(rng, dims)
    for l, state in enumerate(_states(rng, dims), start=1):
        weights[f"running_mean{l}"], weights[f"running_var{l}"] = state["running_mean"], state["running_var"]
    return weights


def test_predict_matches_reference(student, reference, rng):
    weights = _trained_weights(rng, DEEP)
    X, _ = _case(rng, DEEP, 10)
    expected = reference.fc_net_predict(X, weights)
    params = {k: v for k, v in weights.items() if not k.startswith("running_")}
    hints = {PREDICT_TRAIN_MODE: reference.fc_net_forward(X, params, fresh_states(3), 0.0, True, None)[0],
             PREDICT_DEFAULT_STATS: reference.fc_net_forward(X, params, fresh_states(3), 0.0, False, None)[0]}
    check_close(student.fc_net_predict(X, weights), expected, what="fc_net_predict on given weights (3 hidden layers "
                "with batch norm)", inputs=(X,), mistakes=hints)
    one = student.fc_net_predict(X[:1], weights)
    check_close(one, expected[:1], what="fc_net_predict on a single example", inputs=(X,), mistakes={
        PREDICT_TRAIN_MODE: reference.fc_net_forward(X[:1], params, fresh_states(3), 0.0, True, None)[0]})


def test_predict_without_batchnorm(student, reference, rng):
    weights = network(rng, (4, 6, 3), batchnorm=False)
    X, _ = _case(rng, (4, 6, 3), 5)
    check_close(student.fc_net_predict(X, weights), reference.fc_net_predict(X, weights),
                what="fc_net_predict on the weights of a network without batch norm (no gamma1 in weights)",
                inputs=(X,))


@weight(0.5)
def test_training_without_batchnorm_saves_its_weights(student, data, config, device):
    _, settings, budget = recipe(config, device)
    with np.load(data / SPIRALS, allow_pickle=False) as arrays:
        X, y = arrays["X"][:100], arrays["y"][:100]
    settings = {**settings, "epochs": 2, "batchnorm": False}
    weights = student.with_timeout(budget).train_fc_net(X, y, [8, 8], settings, np.random.default_rng(1))
    saved_weights(weights, (X.shape[1], 8, 8, int(y.max()) + 1), batchnorm=False)
    extra = sorted(k for k in weights if k.startswith(("gamma", "beta", "running_")))
    if extra:
        raise CheckFailed(f"train_fc_net with settings['batchnorm'] False returned batch-norm weights {extra}")


# -- the graded run ---------------------------------------------------------------------------------------------
# Thresholds (assignment.yaml, thresholds.spirals_accuracy), measured with the recipe of settings: the reference
# scores 0.947 to 0.980 on the 900 held-out points over seeds 0-19 of the generator handed to train_fc_net (0.956
# at SEED); correct implementations that draw their random numbers in another order land in the same range.
# target = 0.90 leaves a margin of 0.047 (42 points) below the reference's worst seed. A linear classifier scores
# about 0.46 and the majority class 0.33; floor = 0.55 gives nothing to a network that learnt no more than a
# linear one. A network whose running statistics never accumulated scores about 0.3.
SEED = 0


@weight(8)  # about a third of the part: the graded run; the forward, backward and predict tests share the rest
def test_heldout_accuracy(student, reference, data, config, device):
    t = config.threshold("spirals_accuracy")
    hidden, settings, budget = recipe(config, device)
    with np.load(data / SPIRALS, allow_pickle=False) as arrays:
        X, y = arrays["X"], arrays["y"]
    with np.load(data / HELDOUT, allow_pickle=False) as arrays:      # stays in the grader's process
        X_held, y_held = arrays["X"], arrays["y"]
    dims = (X.shape[1], *hidden, int(y.max()) + 1)
    weights = student.with_timeout(budget).train_fc_net(X, y, hidden, settings, np.random.default_rng(SEED))
    weights = saved_weights(weights, dims)
    with np.errstate(all="ignore"):
        scores = reference.fc_net_predict(X_held, weights)
    accuracy = float(np.mean(np.argmax(np.nan_to_num(scores, nan=-np.inf), axis=1) == y_held))
    credit = threshold_credit(accuracy, t.floor, t.target)
    if credit < 1:
        raise PartialCredit(credit, f"the weights your train_fc_net returned score {accuracy:.3f} on the held-out "
                                    f"points (evaluated by the grader, with the running statistics you saved): full "
                                    f"credit from {t.target:g}, none at or below {t.floor:g}. A linear classifier "
                                    "scores about 0.46; near 0.33 often means the running statistics never "
                                    "accumulated (one bn_params dict per layer, made once, passed to every step)")
