"""Public tests of part 5: fc_net_forward, fc_net_backward, train_fc_net and fc_net_predict.

Expected values come from properties and from the grader's central
differences through your own forward pass: evaluation mode ignores p and
rng, leaves bn_params as it was and scores every example on its own; the
gradients match the central differences (with the dropout masks fixed by a
seeded generator); and a network trained with your train_fc_net on 450 of
the public spirals scores the other 150 with your fc_net_predict.

The hidden tests compare with the reference as well, and score the weights
your train_fc_net returns on 900 held-out points (see the notebook).
"""
import copy

import numpy as np
import pytest

from autograder.testing import CheckFailed, PartialCredit, check_array, check_close, threshold_credit
from public_support import SPIRALS, check_network_gradient, fc_forward, fc_grads, fresh_states, network, \
    network_gradient, recipe, running, saved_weights

DIMS = (3, 5, 4, 3)            # input, two hidden layers, classes


def _inputs(seed, n=6, dims=DIMS, batchnorm=True):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, dims[0])) * 2.0 + 0.5, network(rng, dims, batchnorm)


def _trained_states(n_hidden, dims=DIMS, seed=11):
    """Batch-norm states as after some training: running statistics away from the defaults."""
    rng = np.random.default_rng(seed)
    return [{"running_mean": rng.standard_normal(dims[l]), "running_var": rng.uniform(0.5, 2.0, size=dims[l])}
            for l in range(1, n_hidden + 1)]


def test_training_step_updates_running_statistics(student):
    X, params = _inputs(1)
    states = fresh_states(2)
    scores, _ = fc_forward(student, X, params, states, 0.0, True, np.random.default_rng(2), "train=True, p=0")
    check_array(scores, "fc_net_forward(train=True)'s scores for 6 examples and 3 classes", shape=(6, 3))
    for l in range(2):
        what = f"bn_params[{l}] after a training step"
        mean = check_array(running(states, l, "running_mean", what), f"{what}: running_mean", shape=(DIMS[l + 1],))
        check_array(running(states, l, "running_var", what), f"{what}: running_var", shape=(DIMS[l + 1],))
        if np.allclose(mean, 0.0):
            raise CheckFailed(f"{what}: running_mean is still zero; a training step must update it")


def test_evaluation_ignores_dropout_and_keeps_state(student):
    X, params = _inputs(3)
    states = _trained_states(2)
    before = copy.deepcopy(states)
    first, _ = fc_forward(student, X, params, states, 0.5, False, np.random.default_rng(4), "train=False, p=0.5")
    second, _ = fc_forward(student, X, params, states, 0.5, False, np.random.default_rng(5), "train=False, p=0.5")
    first = check_array(first, "fc_net_forward(train=False)'s scores", shape=(6, 3))
    check_close(second, first, what="fc_net_forward(train=False, p=0.5) called twice with different generators: "
                "evaluation must not drop units", inputs=(X,))
    for l in range(2):
        for key in ("running_mean", "running_var"):
            what = f"bn_params[{l}][{key!r}] after an evaluation (train=False)"
            check_close(running(states, l, key, what), before[l][key], inputs=(X,),
                        what=f"{what}: evaluation must not change the running statistics")
    one_by_one = [fc_forward(student, X[i:i + 1], params, copy.deepcopy(before), 0.5, False,
                             np.random.default_rng(6), "train=False, one example")[0] for i in range(len(X))]
    check_close(np.concatenate([check_array(s, "scores of one example", shape=(1, 3)) for s in one_by_one]), first,
                what="fc_net_forward(train=False) one example at a time: in evaluation, batch norm uses the running "
                "statistics, so an example's scores do not depend on the rest of the batch", inputs=(X,))


@pytest.mark.parametrize("p, batchnorm", [(0.0, True), (0.3, True), (0.3, False)])
def test_gradients_match_central_differences(student, p, batchnorm):
    X, params = _inputs(7, batchnorm=batchnorm)
    states = fresh_states(2) if batchnorm else None
    scores, cache = fc_forward(student, X, params, states, p, True, np.random.default_rng(8), "train=True")
    scores = check_array(scores, "fc_net_forward(train=True)'s scores", shape=(6, 3))
    dscores = np.random.default_rng(9).standard_normal(scores.shape)
    what = f"p={p}, {'with' if batchnorm else 'without'} batch norm"
    grads = fc_grads(student, dscores, cache, params, what)
    expected = {name: network_gradient(student, X, params, dscores, p, 8, name, batchnorm) for name in params}
    scale = max(float(np.max(np.abs(g))) for g in expected.values())
    for name in params:
        # Central differences of a smooth function (no input lies near a ReLU kink here) agree to ~1e-9.
        check_network_gradient(grads[name], expected[name], scale, f"fc_net_backward's grads[{name!r}] ({what})")


def test_training_on_public_spirals(student, data, config, device):
    """Train on 450 public points, score the other 150 with your fc_net_predict; the thresholds of the graded
    run (thresholds.spirals_accuracy). With the graded recipe the reference scores 0.933 to 0.980 here over
    seeds 0-19 (0.960 at the seed used)."""
    t = config.threshold("spirals_accuracy")
    hidden, settings, budget = recipe(config, device)
    with np.load(data / SPIRALS, allow_pickle=False) as arrays:
        X, y = arrays["X"], arrays["y"]
    dims = (X.shape[1], *hidden, int(y.max()) + 1)
    weights = student.with_timeout(budget).train_fc_net(X[:450], y[:450], hidden, settings, np.random.default_rng(0))
    weights = saved_weights(weights, dims)
    scores = check_array(student.fc_net_predict(X[450:], weights), "fc_net_predict on 150 points after training",
                         shape=(150, dims[-1]), finite=False)
    accuracy = float(np.mean(np.argmax(np.nan_to_num(scores, nan=-np.inf), axis=1) == y[450:]))
    credit = threshold_credit(accuracy, t.floor, t.target)
    if credit < 1:
        raise PartialCredit(credit, f"trained on 450 public points, your network scored {accuracy:.3f} on the other "
                                    f"150 with your fc_net_predict: full credit from {t.target:g}, none at or below "
                                    f"{t.floor:g} (a linear classifier scores about 0.46)")
