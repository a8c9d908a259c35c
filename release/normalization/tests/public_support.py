"""Helpers shared by the normalization tests, public and hidden.

Released next to the public tests, which import it: a student may read all
of it. The hidden tests' own helpers are in support.py, which is not.
"""
import numpy as np

from autograder.testing import CheckFailed, check_array, numerical_gradient

RESHAPE_MIXES_CHANNELS = ("x.reshape(-1, C) mixes channels and positions: move C last first, "
                          "x.transpose(0, 2, 3, 1).reshape(-1, C), and undo both steps on the way back")
WITH_RESPECT_TO = {"dx": "x", "dgamma": "gamma", "dbeta": "beta"}


def call(func, *args):
    """(out, cache) from a forward function, or a failure that says what came back."""
    result = func(*args)
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise CheckFailed(f"{func.__name__} should return a tuple (out, cache), got {type(result).__name__}")
    return result


def backward(func, dout, cache):
    """(dx, dgamma, dbeta) from a backward function, or a failure."""
    grads = func(dout, cache)
    if not isinstance(grads, (tuple, list)) or len(grads) != 3:
        raise CheckFailed(f"{func.__name__} should return a tuple (dx, dgamma, dbeta)")
    return grads


def numerical_grad(f, name, x, gamma, beta, h=1e-5):
    """The grader's central differences for ``name`` (dx, dgamma or dbeta) of the number
    f(x=..., gamma=..., beta=...), at x, gamma and beta; f is given only the argument that varies."""
    which = WITH_RESPECT_TO[name]
    return numerical_gradient(lambda v: f(**{which: v}), {"x": x, "gamma": gamma, "beta": beta}[which], h)


# -- part 5, integration: a deep network built from these layers ----------------------------------------------
SPIRALS = "spirals_train.npz"
# The training recipe of the graded run, from assignment.yaml's settings (the same on every device).
RECIPE_KEYS = {"lr": "fc_lr", "epochs": "fc_epochs", "batch_size": "fc_batch_size", "p": "fc_dropout"}


def recipe(config, device):
    """(hidden_dims, settings, budget_s) of the graded training run, from assignment.yaml."""
    s = config.settings(device)
    settings = {key: s[name] for key, name in RECIPE_KEYS.items()}
    settings["batchnorm"] = True
    return [int(s["fc_hidden_width"])] * int(s["fc_hidden_layers"]), settings, float(s["budget_s"])


def network(rng, dims, batchnorm=True):
    """Random parameters of a network with layer sizes dims = (D, H_1, ..., C): W, b and, for the hidden
    layers, gamma and beta away from 1 and 0, so that a forgotten gamma or beta shows."""
    params = {}
    for l in range(1, len(dims)):
        params[f"W{l}"] = rng.standard_normal((dims[l - 1], dims[l])) / np.sqrt(dims[l - 1])
        params[f"b{l}"] = 0.1 * rng.standard_normal(dims[l])
        if batchnorm and l < len(dims) - 1:
            params[f"gamma{l}"] = rng.uniform(0.5, 1.5, size=dims[l])
            params[f"beta{l}"] = 0.3 * rng.standard_normal(dims[l])
    return params


def fc_forward(student, X, params, bn_params, p, train, rng, what):
    """(scores, cache) from the student's fc_net_forward, or a failure that says what came back."""
    result = student.fc_net_forward(X, params, bn_params, p, train, rng)
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise CheckFailed(f"fc_net_forward ({what}) should return a tuple (scores, cache), got "
                          f"{type(result).__name__}")
    return result


def fc_grads(student, dscores, cache, params, what):
    """The student's fc_net_backward: a dict with a gradient of the right shape for every parameter."""
    grads = student.fc_net_backward(dscores, cache)
    if not isinstance(grads, dict):
        raise CheckFailed(f"fc_net_backward ({what}) should return a dict of gradients, got {type(grads).__name__}")
    for name, value in params.items():
        if name not in grads:
            raise CheckFailed(f"fc_net_backward ({what}) returned no gradient for {name!r}")
        check_array(grads[name], f"fc_net_backward ({what}): grads[{name!r}]", shape=np.shape(value))
    return grads


def fresh_states(n_hidden):
    return [{} for _ in range(n_hidden)]


def network_gradient(student, X, params, dscores, p, mask_seed, name, batchnorm=True):
    """Central differences of sum(scores * dscores) in ``params[name]``, through the student's forward pass in
    train mode: the same dropout masks at every call (a generator made from mask_seed each time) and fresh
    batch-norm states, so the function is the same at every evaluation."""
    n_hidden = len([k for k in params if k.startswith("W")]) - 1

    def f(value):
        states = fresh_states(n_hidden) if batchnorm else None
        scores, _ = fc_forward(student, X, {**params, name: value}, states, p, True,
                               np.random.default_rng(mask_seed), "a training step")
        return float(np.sum(check_array(scores, "fc_net_forward's scores", shape=dscores.shape) * dscores))

    return numerical_gradient(f, np.array(params[name], dtype=np.float64))


def saved_weights(weights, dims, batchnorm=True):
    """The weights returned by train_fc_net, checked (keys, shapes, finite values) and reduced to what the
    evaluation forward pass reads, or a failure that says what is wrong."""
    if not isinstance(weights, dict):
        raise CheckFailed(f"train_fc_net should return a dict of arrays, got {type(weights).__name__}")
    shapes = {}
    for l in range(1, len(dims)):
        shapes[f"W{l}"], shapes[f"b{l}"] = (dims[l - 1], dims[l]), (dims[l],)
        if batchnorm and l < len(dims) - 1:
            for name in ("gamma", "beta", "running_mean", "running_var"):
                shapes[f"{name}{l}"] = (dims[l],)
    out = {}
    for name, shape in shapes.items():
        if name not in weights:
            saved = "; the running statistics of batch norm are part of the model: save them" \
                if name.startswith("running_") else ""
            raise CheckFailed(f"the weights returned by train_fc_net have no {name!r}{saved}")
        out[name] = check_array(weights[name], f"train_fc_net's weights[{name!r}]", shape=shape)
    return out


def check_network_gradient(value, expected, scale, what, tol=1e-6):
    """The course's relative error, except that differences are measured against at least 1e-3 of ``scale`` (the
    largest gradient of the network): a bias followed by batch norm has a gradient of exactly 0, which central
    differences give as rounding noise of ~1e-11, and two tiny numbers have a large relative error."""
    value = check_array(value, what, shape=np.shape(expected))
    expected = np.asarray(expected, dtype=np.float64)
    diff = float(np.max(np.abs(value - expected))) if value.size else 0.0
    size = float(np.max(np.abs(value)) + np.max(np.abs(expected))) if value.size else 0.0
    err = diff / max(size, 1e-3 * scale, 1e-8)
    if err > tol:
        raise CheckFailed(f"{what}: relative error {err:.1e} is above the tolerance {tol:.0e}")


def running(states, l, key, what):
    """``states[l][key]`` (a running statistic of hidden layer l + 1 in bn_params), or a failure saying it is
    missing: the student's forward pass must leave it in the caller's dict."""
    state = states[l] if isinstance(states, list) and l < len(states) else None
    if not isinstance(state, dict) or key not in state:
        raise CheckFailed(f"{what}: bn_params[{l}] has no {key!r}: pass each hidden layer's own dict of bn_params to "
                          "batchnorm_forward (not a copy), so that the running statistics accumulate in it")
    return state[key]
