"""im2col: every window becomes a column of one matrix, the convolution one matrix product; col2im scatters
back with np.add.at. Caches are dicts; pooling reuses im2col on one channel at a time."""
import numpy as np


def _out_size(size, k, stride, pad):
    if stride <= 0:
        raise ValueError("stride must be positive")
    if pad < 0:
        raise ValueError("pad must be >= 0")
    n = (size + 2 * pad - k) // stride + 1
    if n <= 0:
        raise ValueError("kernel larger than the padded input")
    return n


def _indices(C, H, W, HH, WW, stride, pad):
    """Row, column and channel index arrays of shape (C*HH*WW, H_out*W_out) into x_pad."""
    H_out, W_out = _out_size(H, HH, stride, pad), _out_size(W, WW, stride, pad)
    i0 = np.tile(np.repeat(np.arange(HH), WW), C)               # offset rows, C-major order of w.reshape(F, -1)
    j0 = np.tile(np.arange(WW), HH * C)
    i1 = stride * np.repeat(np.arange(H_out), W_out)
    j1 = stride * np.tile(np.arange(W_out), H_out)
    rows = i0[:, None] + i1[None, :]
    cols = j0[:, None] + j1[None, :]
    chans = np.repeat(np.arange(C), HH * WW)[:, None]
    return chans, rows, cols, H_out, W_out


def _im2col(x, HH, WW, stride, pad):
    N, C, H, W = x.shape
    chans, rows, cols, H_out, W_out = _indices(C, H, W, HH, WW, stride, pad)
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    columns = x_pad[:, chans, rows, cols]                        # (N, C*HH*WW, H_out*W_out)
    return columns, H_out, W_out


def _col2im(dcols, shape, HH, WW, stride, pad):
    N, C, H, W = shape
    chans, rows, cols, _, _ = _indices(C, H, W, HH, WW, stride, pad)
    dx_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    np.add.at(dx_pad, (slice(None), chans, rows, cols), dcols)
    return dx_pad[:, :, pad:pad + H, pad:pad + W]


def conv_forward(x, w, b, stride=1, pad=0):
    x = np.asarray(x, dtype=float)
    F, C, HH, WW = w.shape
    columns, H_out, W_out = _im2col(x, HH, WW, stride, pad)
    out = np.einsum("fk,nkp->nfp", w.reshape(F, -1), columns) + b[None, :, None]
    cache = {"x_shape": x.shape, "columns": columns, "w": w, "stride": stride, "pad": pad}
    return out.reshape(x.shape[0], F, H_out, W_out), cache


def conv_backward(dout, cache):
    w, columns = cache["w"], cache["columns"]
    F, C, HH, WW = w.shape
    N = dout.shape[0]
    d = dout.reshape(N, F, -1)                                   # (N, F, H_out*W_out)
    db = d.sum(axis=(0, 2))
    dw = np.einsum("nfp,nkp->fk", d, columns).reshape(w.shape)
    dcols = np.einsum("fk,nfp->nkp", w.reshape(F, -1), d)
    dx = _col2im(dcols, tuple(cache["x_shape"]), HH, WW, cache["stride"], cache["pad"])
    return dx, dw, db


def max_pool_forward(x, pool_size=2, stride=2):
    N, C, H, W = x.shape
    columns, H_out, W_out = _im2col(np.asarray(x, dtype=float).reshape(N * C, 1, H, W), pool_size, pool_size,
                                    stride, 0)                   # (N*C, P*P, H_out*W_out)
    arg = np.argmax(columns, axis=1)
    out = np.max(columns, axis=1).reshape(N, C, H_out, W_out)
    return out, {"shape": x.shape, "arg": arg, "pool_size": pool_size, "stride": stride}


def max_pool_backward(dout, cache):
    N, C, H, W = cache["shape"]
    P, arg = cache["pool_size"], cache["arg"]
    d = dout.reshape(N * C, -1)
    dcols = np.zeros((N * C, P * P, d.shape[1]))
    np.put_along_axis(dcols, arg[:, None, :], d[:, None, :], axis=1)
    return _col2im(dcols, (N * C, 1, H, W), P, P, cache["stride"], 0).reshape(N, C, H, W)


def convnet_loss(X, y, params, reg=0.0):
    N = X.shape[0]
    caches = {}
    a, caches["conv"] = conv_forward(X, params["W1"], params["b1"], 1, params["W1"].shape[-1] // 2)
    p, caches["pool"] = max_pool_forward(np.where(a > 0, a, 0.0))
    z = p.reshape(N, -1)
    s = z @ params["W2"] + params["b2"]
    lse = np.log(np.sum(np.exp(s - s.max(1, keepdims=True)), axis=1)) + s.max(1)
    loss = np.mean(lse - s[np.arange(N), y])
    loss += reg / 2 * sum(np.sum(params[k] ** 2) for k in ("W1", "W2"))
    onehot = np.eye(s.shape[1])[y]
    ds = (np.exp(s - lse[:, None]) - onehot) / N
    grads = {"W2": z.T @ ds + reg * params["W2"], "b2": ds.sum(0)}
    dr = max_pool_backward((ds @ params["W2"].T).reshape(p.shape), caches["pool"])
    _, dW1, grads["b1"] = conv_backward(np.where(a > 0, dr, 0.0), caches["conv"])
    grads["W1"] = dW1 + reg * params["W1"]
    return loss, grads
