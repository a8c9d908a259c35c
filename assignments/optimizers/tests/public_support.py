"""Helpers shared by the optimizers tests, public and hidden.

Released next to the public tests, which import it: a student may read all
of it. The hidden tests' own helpers are in support.py, which is not.
"""
from autograder.testing import CheckFailed

# Hints the public and the hidden tests give for the same mistakes.
SGD_SIGN = "sign error: step against the gradient, next_w = w - learning_rate * dw"
ADAM_NO_BIAS_CORRECTION = ("Adam's first steps are the wrong size (about 3 times too large with the default betas): "
                           "is the bias correction missing? m_hat = m / (1 - beta1**t), v_hat = v / (1 - beta2**t)")
ADAM_NO_M_CORRECTION = ("Adam's first steps are too small: is the bias correction of m missing? "
                        "m_hat = m / (1 - beta1**t)")
ADAM_NO_V_CORRECTION = ("Adam's first steps are too large: is the bias correction of v missing? "
                        "v_hat = v / (1 - beta2**t)")
DECAY_SIGN = "the decay shrinks the weights: next_w -= learning_rate * weight_decay * w"
DECAY_WITHOUT_LR = ("the decoupled decay is multiplied by the learning rate: "
                    "next_w -= learning_rate * weight_decay * w")


def unpack(result, what, none_ok=False):
    """(next_w, config) from a rule's result; ``none_ok``: sgd, which has no state, may hand back the None it got."""
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise CheckFailed(f"{what} should return a tuple (next_w, config), got {type(result).__name__}")
    if not isinstance(result[1], dict) and not (none_ok and result[1] is None):
        raise CheckFailed(f"{what} should return (next_w, config) with config a dict, got "
                          f"{type(result[1]).__name__} as the second value")
    return result


def state(config, key, what):
    """``config[key]``, the state a rule stored, or a failure that names the key."""
    if key not in config:
        raise CheckFailed(f"the config returned by {what} has no key {key!r}: store the state under that name")
    return config[key]


def training_step(result, rule):
    """(next_w, config) of ``rule`` in a training loop, or a failure (the loop carries the config on)."""
    if not isinstance(result, (tuple, list)) or len(result) != 2 or not isinstance(result[1], dict):
        raise CheckFailed(f"{rule} should return (next_w, config) with config a dict")
    return result
