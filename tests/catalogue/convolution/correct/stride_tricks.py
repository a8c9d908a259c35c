"""Windows as strided views (np.lib.stride_tricks.as_strided with the array's own strides) and einsum; dx as
the full convolution of the dilated dout with the flipped kernel. Keeps float32 in float32; the caches are
objects of a small class (they stay in the student's process behind a handle)."""
import numpy as np
from numpy.lib.stride_tricks import as_strided, sliding_window_view


class Cache:
    def __init__(self, **values):
        self.__dict__.update(values)


def _size(n, k, s, p):
    if s < 1 or p < 0 or n + 2 * p < k:
        raise ValueError(f"invalid geometry: size {n}, window {k}, stride {s}, pad {p}")
    return (n + 2 * p - k) // s + 1


def _windows(a, HH, WW, stride, H_out, W_out):
    """(N, C, H_out, W_out, HH, WW) view of a, built from a's own strides."""
    sn, sc, sh, sw = a.strides
    return as_strided(a, shape=a.shape[:2] + (H_out, W_out, HH, WW),
                      strides=(sn, sc, sh * stride, sw * stride, sh, sw), writeable=False)


def conv_forward(x, w, b, stride=1, pad=0):
    dtype = np.result_type(x, w, b, np.float32)
    x, w, b = x.astype(dtype, copy=False), w.astype(dtype, copy=False), b.astype(dtype, copy=False)
    F, C, HH, WW = w.shape
    H_out, W_out = _size(x.shape[2], HH, stride, pad), _size(x.shape[3], WW, stride, pad)
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad))) if pad else x
    out = np.einsum("ncijhw,fchw->nfij", _windows(x_pad, HH, WW, stride, H_out, W_out), w, optimize=True)
    out += b[:, None, None]
    return out, Cache(x_pad=x_pad, w=w, stride=stride, pad=pad, shape=x.shape)


def conv_backward(dout, cache):
    x_pad, w, s, p = cache.x_pad, cache.w, cache.stride, cache.pad
    N, C, H, W = cache.shape
    F, _, HH, WW = w.shape
    _, _, H_out, W_out = dout.shape
    dout = dout.astype(w.dtype, copy=False)
    db = dout.sum(axis=(0, 2, 3))
    dw = np.einsum("ncijhw,nfij->fchw", _windows(x_pad, HH, WW, s, H_out, W_out), dout, optimize=True)
    # dx_pad is the full convolution of dout, dilated by the stride, with the flipped kernel.
    dilated = np.zeros((N, F, (H_out - 1) * s + 1, (W_out - 1) * s + 1), dtype=dout.dtype)
    dilated[:, :, ::s, ::s] = dout
    framed = np.pad(dilated, ((0, 0), (0, 0), (HH - 1, HH - 1), (WW - 1, WW - 1)))
    flipped = w[:, :, ::-1, ::-1]
    full = np.einsum("nfijhw,fchw->ncij", sliding_window_view(framed, (HH, WW), axis=(2, 3)), flipped,
                     optimize=True)                              # covers rows 0 .. (H_out - 1) * s + HH - 1
    dx_pad = np.zeros(x_pad.shape, dtype=full.dtype)
    dx_pad[:, :, :full.shape[2], :full.shape[3]] = full          # rows the floor dropped stay 0
    return dx_pad[:, :, p:p + H, p:p + W], dw, db


def max_pool_forward(x, pool_size=2, stride=2):
    H_out, W_out = _size(x.shape[2], pool_size, stride, 0), _size(x.shape[3], pool_size, stride, 0)
    win = _windows(x, pool_size, pool_size, stride, H_out, W_out).reshape(x.shape[:2] + (H_out, W_out, -1))
    arg = win.argmax(axis=-1)
    return win.max(axis=-1), Cache(shape=x.shape, dtype=x.dtype, arg=arg, pool=pool_size, stride=stride)


def max_pool_backward(dout, cache):
    P, s = cache.pool, cache.stride
    N, C, H_out, W_out = dout.shape
    dx = np.zeros(cache.shape, dtype=np.result_type(cache.dtype, np.float32))
    n, c, i, j = np.indices(dout.shape)
    rows = i * s + cache.arg // P
    cols = j * s + cache.arg % P
    np.add.at(dx, (n, c, rows, cols), dout)
    return dx


def convnet_loss(X, y, params, reg=0.0):
    W1, b1, W2, b2 = (params[k] for k in ("W1", "b1", "W2", "b2"))
    a, c1 = conv_forward(X, W1, b1, pad=(W1.shape[2] - 1) // 2)
    relu = a > 0
    p, c2 = max_pool_forward(a * relu)
    N = len(X)
    z = p.reshape(N, -1)
    s = z @ W2 + b2
    s -= s.max(axis=1, keepdims=True)
    logp = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    loss = -logp[np.arange(N), y].mean() + 0.5 * reg * ((W1 ** 2).sum() + (W2 ** 2).sum())
    ds = np.exp(logp)
    ds[np.arange(N), y] -= 1
    ds /= N
    dp = max_pool_backward((ds @ W2.T).reshape(p.shape), c2)
    _, dW1, db1 = conv_backward(dp * relu, c1)
    return loss, {"W1": dW1 + reg * W1, "b1": db1, "W2": z.T @ ds + reg * W2, "b2": ds.sum(axis=0)}
