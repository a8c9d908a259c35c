"""Helpers shared by the backprop tests, public and hidden.

Released next to the public tests, which import it: a student may read all
of it. Hints here are those that public and hidden tests give for the same
mistake.
"""
from autograder.testing import CheckFailed

SIGMOID_GRAD_OF_OUTPUT = ("sigmoid_grad takes z, the input of the sigmoid, not its output: compute s = sigmoid(z) "
                          "first, then s * (1 - s)")
TANH_GRAD_OF_OUTPUT = "tanh_grad takes z, the input of tanh, not its output: use 1 - tanh(z)**2"
RELU_GRAD_AT_ZERO = "by the spec's convention relu_grad(0) is 0 (1 only where z > 0)"
LEAKY_RELU_FIXED_K = "use the k argument instead of a fixed 0.01"
HARDTANH_CLOSED = "the spec's interval is closed: hardtanh_grad is 1 at z = -1 and z = 1"
FORWARD_DIFFERENCE = ("this is a forward difference (f(x + h) - f(x)) / h; use central differences "
                      "(f(x + h e_i) - f(x - h e_i)) / (2 h)")
FIXED_STEP = "use the h argument rather than a fixed step"
LOSS_IS_A_SUM = "the loss is the MEAN over the batch, not the sum"
DLOGITS_WITHOUT_1_OVER_N = "the loss is a mean over the N examples, so dlogits carries a factor 1/N"
DLOGITS_SIGN = "sign error: dlogits = (softmax(logits) - onehot(y)) / N"
PAD_WITH_ZEROS = "pad with the embedding of pad_id, E[pad_id], not with zeros"


def parts(result, n, what):
    """A function's tuple of ``n`` results, or a failure that says what came back."""
    if not isinstance(result, (tuple, list)) or len(result) != n:
        raise CheckFailed(f"{what} should return a tuple of {n} values, got {type(result).__name__}")
    return result
