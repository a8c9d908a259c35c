"""Helpers of the convolution hidden tests.

Never released, and public tests cannot import it: what they share with the
hidden tests is in public_support.py.

The inputs of every part, the true gradients (central differences through
the REFERENCE forward pass, never the student's), and models of the known
mistakes: the values a wrong implementation gives on the same inputs, so
that a failure can name the mistake.
"""
import numpy as np

from autograder.testing import CheckFailed, check_close, check_unchanged
from public_support import FIRST_MAXIMUM, grad_of_sum

# N, C, H, W (input), F, HH, WW (filters), stride, pad. Together: non-square images and kernels, C > 1,
# F > 1, N = 1, strides 1 to 3, padding 0 to 2, and inputs where the floor drops pixels (marked "drop").
CONV_CASES = {
    "s2 p1 drop, 3x2 kernel": dict(n=2, c=2, h=8, w=6, f=4, hh=3, ww=2, stride=2, pad=1),
    "s1 p0, N=1, 2x3 kernel": dict(n=1, c=2, h=5, w=7, f=3, hh=2, ww=3, stride=1, pad=0),
    "s3 p2 drop, N=F=2": dict(n=2, c=2, h=7, w=7, f=2, hh=3, ww=3, stride=3, pad=2),
    "s1 p1, C=F=3": dict(n=2, c=3, h=5, w=5, f=3, hh=3, ww=3, stride=1, pad=1),
    "s2 p0 drop, 1x1 kernel": dict(n=2, c=3, h=5, w=4, f=2, hh=1, ww=1, stride=2, pad=0),
}

# Pooling: N, C, H, W, pool_size, stride. Overlapping windows (stride < pool_size), gaps between windows
# (stride > pool_size), non-square images, N = 1, and sizes where the floor drops pixels.
POOL_CASES = {
    "2x2 s2, odd sizes": dict(n=2, c=2, h=7, w=5, pool=2, stride=2),
    "3x3 s2, overlapping": dict(n=1, c=2, h=7, w=8, pool=3, stride=2),
    "2x2 s1, overlapping, N=1": dict(n=1, c=3, h=5, w=6, pool=2, stride=1),
    "3x3 s3, drop": dict(n=1, c=2, h=8, w=7, pool=3, stride=3),
    "2x2 s3, gaps": dict(n=1, c=2, h=8, w=9, pool=2, stride=3),
}


PAD_OFFSET = "take dx from the centre of dx_pad, dx_pad[:, :, pad:pad + H, pad:pad + W], not from its corner"


def close(value, expected, what, inputs, hints=None):
    """check_close, with the known mistakes (``hints()`` gives {hint: wrong value}) worked out only for a value
    that is off: a right answer does not pay for them."""
    try:
        return check_close(value, expected, what=what, inputs=inputs)
    except CheckFailed:
        if hints is None:
            raise
    return check_close(value, expected, what=what, inputs=inputs, mistakes=hints())


def fresh(*arrays):
    """Copies, in the same memory layout, to give the student's code: whatever it does to its arguments, the
    test's own arrays stay as they were (only the tests of in-place changes give it the originals)."""
    return tuple(np.copy(a, order="K") for a in arrays)


def conv_problem(rng, n, c, h, w, f, hh, ww, stride, pad, dtype=np.float64):
    """x, w, b, dout (of the output's shape) for one convolution."""
    x = rng.standard_normal((n, c, h, w))
    weights = rng.standard_normal((f, c, hh, ww))
    b = rng.standard_normal(f)
    dout = rng.standard_normal((n, f, (h + 2 * pad - hh) // stride + 1, (w + 2 * pad - ww) // stride + 1))
    return tuple(a.astype(dtype) for a in (x, weights, b, dout))


def distinct(rng, shape, spacing=0.1):
    """Values of ``shape`` at least ``spacing`` apart, shuffled: no window has a tie or a near tie."""
    size = int(np.prod(shape))
    return (rng.permutation(size) - size / 2).reshape(shape) * spacing + rng.uniform(0, spacing / 10, shape)


def conv_true_grad(reference, x, w, b, stride, pad, dout, name):
    """d sum(out * dout) / d name (x, w or b) by central differences through the reference's conv_forward."""
    args = {"x": x, "w": w, "b": b, "stride": stride, "pad": pad}
    return grad_of_sum(reference.conv_forward, args, name, dout)


def pool_true_grad(reference, x, pool_size, stride, dout):
    """d sum(out * dout) / d x by central differences through the reference's max_pool_forward."""
    return grad_of_sum(reference.max_pool_forward, {"x": x, "pool_size": pool_size, "stride": stride}, "x", dout)


def conv_forward_hints(reference, x, w, b, stride, pad):
    """{hint: the output of a known wrong forward pass} for mistakes that keep the output's shape."""
    def conv(x_, w_, b_, pad_=pad):
        return reference.conv_forward(x_, w_, b_, stride, pad_)[0]

    hints = {
        "the kernel is flipped: this layer is a cross-correlation, "
        "out[n, f, i, j] = sum of x_pad[n, c, i*stride + di, j*stride + dj] * w[f, c, di, dj]":
            conv(x, w[:, :, ::-1, ::-1], b),
        "the bias b[f] is missing": conv(x, w, np.zeros_like(b)),
    }
    if w.shape[0] == w.shape[1] and w.shape[0] > 1:
        hints["w is (F, C, HH, WW): the first axis picks the filter, the second the input channel"] = \
            conv(x, w.transpose(1, 0, 2, 3), b)
    if pad:
        padded_after = np.pad(x, ((0, 0), (0, 0), (0, 2 * pad), (0, 2 * pad)))
        hints["pad on every side: the image sits at x_pad[:, :, pad:pad + H, pad:pad + W]"] = \
            conv(padded_after, w, b, 0)
    return hints


def conv_backward_variant(x, w, dout, stride, pad, flip=False, overwrite=False, step=None, crop_at=None,
                          last_sample_dw=False):
    """(dx, dw) of a loop-over-windows backward pass with one known mistake switched on."""
    x, w, dout = (np.asarray(a, dtype=np.float64) for a in (x, w, dout))
    w = w[:, :, ::-1, ::-1] if flip else w
    step = stride if step is None else step
    n_, _, h, wd = x.shape
    f_, _, hh, ww = w.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dx_pad = np.zeros_like(x_pad)
    dw = np.zeros_like(w)
    for n in range(n_):
        dw_n = np.zeros_like(w)
        for f in range(f_):
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    window = (n, slice(None), slice(i * step, i * step + hh), slice(j * step, j * step + ww))
                    if x_pad[window].shape[1:] != (hh, ww):
                        continue
                    if overwrite:
                        dx_pad[window] = dout[n, f, i, j] * w[f]
                    else:
                        dx_pad[window] += dout[n, f, i, j] * w[f]
                    dw_n[f] += dout[n, f, i, j] * x_pad[window]
        dw = dw_n if last_sample_dw else dw + dw_n
    top = pad if crop_at is None else crop_at
    return dx_pad[:, :, top:top + h, top:top + wd], (dw[:, :, ::-1, ::-1] if flip else dw)


def conv_backward_hints(x, w, dout, stride, pad):
    """{name: {hint: wrong value}} for dx, dw and db."""
    def run(**kw):
        return conv_backward_variant(x, w, dout, stride, pad, **kw)

    hints = {"dx": {}, "dw": {}, "db": {}}
    flipped = run(flip=True)
    hints["dx"]["dx uses the flipped kernel: the forward pass multiplies x_pad[.., i*s + di, j*s + dj] by "
                "w[f, c, di, dj], so dx_pad[.., i*s + di, j*s + dj] gets dout * w[f, c, di, dj]"] = flipped[0]
    hints["dw"]["dw is flipped: dw[f, c, di, dj] collects dout * x_pad[n, c, i*s + di, j*s + dj]"] = flipped[1]
    overlapping = run(overwrite=True)[0]
    hints["dx"]["add each window's contribution (of every filter) to dx_pad with +=: overlapping windows and the "
                "F filters all contribute to the same pixels"] = overlapping
    if stride > 1:
        ignored = run(step=1)
        hint = "the backward pass ignores the stride: the window of out[.., i, j] starts at (i * stride, j * stride)"
        hints["dx"][hint], hints["dw"][hint] = ignored
    if pad:
        hints["dx"][PAD_OFFSET] = run(crop_at=0)[0]
    if x.shape[0] > 1:
        hints["dw"]["dw sums over the whole batch: every image uses the same filters (yours keeps only the last "
                    "image's part)"] = run(last_sample_dw=True)[1]
    dout = np.asarray(dout, dtype=np.float64)
    hints["db"]["db is a sum over the images and the positions, not a mean"] = dout.sum(axis=(0, 2, 3)) / len(dout)
    hints["db"]["db is a sum, not a mean: db = dout.sum(axis=(0, 2, 3))"] = dout.mean(axis=(0, 2, 3))
    if dout.shape[0] == dout.shape[1]:
        hints["db"]["db sums over the wrong axes: keep the filter axis 1, db = dout.sum(axis=(0, 2, 3))"] = \
            dout.sum(axis=(1, 2, 3))
    return hints


def pool_backward_variant(x, dout, pool_size, stride, mode):
    """dx of a loop-over-windows max-pool backward pass routing the gradient the ``mode`` way: "all" (every
    tied maximum), "split" (shared among them), "last" (the last one), "overwrite" (the first, but each
    window overwrites the previous ones)."""
    x, dout = np.asarray(x, dtype=np.float64), np.asarray(dout, dtype=np.float64)
    dx = np.zeros_like(x)
    n_, c_, h_out, w_out = dout.shape
    for n in range(n_):
        for c in range(c_):
            for i in range(h_out):
                for j in range(w_out):
                    rows, cols = slice(i * stride, i * stride + pool_size), slice(j * stride, j * stride + pool_size)
                    window = x[n, c, rows, cols]
                    top = window == window.max()
                    if mode == "split":
                        top = top / top.sum()
                    elif mode in ("last", "overwrite"):
                        flat = np.zeros(window.size)
                        flat[window.size - 1 - np.argmax(window.ravel()[::-1]) if mode == "last"
                             else np.argmax(window)] = 1.0
                        top = flat.reshape(window.shape)
                    if mode == "overwrite":
                        dx[n, c, rows, cols] = top * dout[n, c, i, j]
                    else:
                        dx[n, c, rows, cols] += top * dout[n, c, i, j]
    return dx


def pool_backward_hints(x, dout, pool_size, stride):
    """{hint: wrong dx} for the known mistakes of the max-pool backward pass."""
    hints = {FIRST_MAXIMUM: pool_backward_variant(x, dout, pool_size, stride, "all"),
             "on ties do not share the gradient: it all goes to the first maximum of the window":
                 pool_backward_variant(x, dout, pool_size, stride, "split"),
             "on ties the gradient goes to the FIRST maximum in row-major order, as np.argmax gives it, not the "
             "last": pool_backward_variant(x, dout, pool_size, stride, "last")}
    if stride < pool_size:
        hints["windows overlap: add (+=) each window's gradient to dx instead of overwriting the window"] = \
            pool_backward_variant(x, dout, pool_size, stride, "overwrite")
    return hints


def tie_broken(x):
    """x minus 1e-4 times each pixel's row-major position within its image: for integer x, every tie is
    broken in favour of the earlier pixel and nothing else changes order."""
    n, c, h, w = x.shape
    return np.asarray(x, dtype=np.float64) - 1e-4 * np.arange(h * w).reshape(1, 1, h, w)


def check_unchanged_all(before: dict, after: dict, what):
    """Every array of ``before`` (copies taken before the calls) equals the same-named one of ``after``."""
    for name, old in before.items():
        if name not in after:
            raise CheckFailed(f"{what} removed {name!r}")
        check_unchanged(old, after[name], f"{what} ({name})")
