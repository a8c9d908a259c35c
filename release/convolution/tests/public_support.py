"""Helpers shared by the convolution tests, public and hidden.

Released next to the public tests, which import it: a student may read all
of it. The hidden tests' own helpers are in support.py, which is not.

Every gradient the tests check is compared with central differences of
L = sum(out * dout): L's gradient with respect to out is exactly dout, so its
gradient with respect to x, w or b is what the backward pass must return.
"""
import numpy as np

from autograder.testing import CheckFailed, check_array, numerical_gradient

OUTPUT_SIZE = "the output size is (H + 2 * pad - HH) // stride + 1 per axis (floor division, then + 1)"
PAD_SLICE = ("dx is the centre of dx_pad: dx_pad[:, :, pad:pad + H, pad:pad + W] (pad:-pad is empty when "
             "pad = 0)")
FIRST_MAXIMUM = ("on ties the whole gradient goes to the FIRST maximum of the window in row-major order "
                 "(np.argmax of the flattened window), not to every tied maximum")


def pair(result, what):
    """(out, cache) from a forward pass, or a failure that says what came back."""
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise CheckFailed(f"{what} should return a tuple (out, cache), got {type(result).__name__}")
    return result


def triple(result, what):
    """(dx, dw, db) from conv_backward, or a failure."""
    if not isinstance(result, (tuple, list)) or len(result) != 3:
        raise CheckFailed(f"{what} should return a tuple (dx, dw, db), got {type(result).__name__}")
    return result


def conv_shape(x_shape, w_shape, stride, pad):
    """(N, F, H_out, W_out) by the spec's formula."""
    (n, _, h, w), (f, _, hh, ww) = x_shape, w_shape
    return n, f, (h + 2 * pad - hh) // stride + 1, (w + 2 * pad - ww) // stride + 1


def pool_shape(x_shape, pool_size, stride):
    """(N, C, H_out, W_out) by the spec's formula."""
    n, c, h, w = x_shape
    return n, c, (h - pool_size) // stride + 1, (w - pool_size) // stride + 1


def output(value, shape, what, hints=None):
    """The student's output as an array of ``shape``; a wrong shape names the likely mistake.

    ``hints`` maps a hint to the wrong shape a known mistake produces.
    """
    arr = check_array(value, what, finite=False)
    if arr.shape != tuple(shape):
        hint = next((h for h, wrong in (hints or {}).items() if tuple(wrong) == arr.shape), None)
        raise CheckFailed(f"{what} has shape {arr.shape}, expected {tuple(shape)}", hint=hint)
    return arr


def size_hints(x_shape, window_shape, stride, pad, make):
    """{hint: wrong output shape} for the usual output-size mistakes; ``make`` builds a shape from
    (H_out, W_out)."""
    (_, _, h, w), (hh, ww) = x_shape, window_shape
    wrong = {
        "round down, not up: " + OUTPUT_SIZE: [-((hh - h - 2 * pad) // stride) + 1,
                                               -((ww - w - 2 * pad) // stride) + 1],
        "add 1 after dividing: " + OUTPUT_SIZE: [(h + 2 * pad - hh) // stride, (w + 2 * pad - ww) // stride],
        "the padding is on both sides: " + OUTPUT_SIZE: [(h + pad - hh) // stride + 1, (w + pad - ww) // stride + 1],
        "divide by the stride: " + OUTPUT_SIZE: [h + 2 * pad - hh + 1, w + 2 * pad - ww + 1],
    }
    right = [(h + 2 * pad - hh) // stride + 1, (w + 2 * pad - ww) // stride + 1]
    return {hint: make(*sizes) for hint, sizes in wrong.items() if sizes != right}


def grad_of_sum(forward, args, name, dout, h=1e-5):
    """Central differences of L = sum(forward(*args)[0] * dout) with respect to args[name].

    ``args`` is a dict of the forward pass's positional arguments in order (x, w, b, stride, pad for
    conv_forward); only the argument ``name`` varies. Computed in float64.
    """
    names = list(args)
    dout = np.asarray(dout, dtype=np.float64)
    what = getattr(forward, "__name__", "the forward pass")

    def f(value):
        given = [value if key == name else args[key] for key in names]
        out = output(pair(forward(*given), what)[0], dout.shape, what)
        return float(np.sum(out * dout))

    return numerical_gradient(f, np.asarray(args[name], dtype=np.float64), h)
