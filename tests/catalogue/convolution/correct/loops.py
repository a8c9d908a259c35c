"""Plain loops over every window, as the notebook suggests writing them first; the cache keeps x_pad."""
import numpy as np


def _count(size, window, stride, pad=0):
    if stride < 1 or pad < 0:
        raise ValueError("stride must be >= 1 and pad >= 0")
    if size + 2 * pad < window:
        raise ValueError("the window does not fit")
    return (size + 2 * pad - window) // stride + 1


def conv_forward(x, w, b, stride=1, pad=0):
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out, W_out = _count(H, HH, stride, pad), _count(W, WW, stride, pad)
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = x_pad[n, :, i * stride:i * stride + HH, j * stride:j * stride + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out, (x_pad, w, stride, pad)


def conv_backward(dout, cache):
    x_pad, w, stride, pad = cache
    N, F, H_out, W_out = dout.shape
    _, _, HH, WW = w.shape
    dx_pad = np.zeros(x_pad.shape)
    dw = np.zeros(w.shape)
    db = np.zeros(F)
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    rows = slice(i * stride, i * stride + HH)
                    cols = slice(j * stride, j * stride + WW)
                    dx_pad[n, :, rows, cols] += dout[n, f, i, j] * w[f]
                    dw[f] += dout[n, f, i, j] * x_pad[n, :, rows, cols]
                    db[f] += dout[n, f, i, j]
    H, W = x_pad.shape[2] - 2 * pad, x_pad.shape[3] - 2 * pad
    return dx_pad[:, :, pad:pad + H, pad:pad + W], dw, db


def max_pool_forward(x, pool_size=2, stride=2):
    N, C, H, W = x.shape
    H_out, W_out = _count(H, pool_size, stride), _count(W, pool_size, stride)
    out = np.zeros((N, C, H_out, W_out))
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    out[n, c, i, j] = np.max(x[n, c, i * stride:i * stride + pool_size,
                                               j * stride:j * stride + pool_size])
    return out, (x, pool_size, stride)


def max_pool_backward(dout, cache):
    x, pool_size, stride = cache
    N, C, H_out, W_out = dout.shape
    dx = np.zeros(x.shape)
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    window = x[n, c, i * stride:i * stride + pool_size, j * stride:j * stride + pool_size]
                    k = np.argmax(window)
                    dx[n, c, i * stride + k // pool_size, j * stride + k % pool_size] += dout[n, c, i, j]
    return dx


def convnet_loss(X, y, params, reg=0.0):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    a, conv_cache = conv_forward(X, W1, b1, 1, (W1.shape[2] - 1) // 2)
    r = np.maximum(a, 0)
    p, pool_cache = max_pool_forward(r, 2, 2)
    z = p.reshape(N, -1)
    scores = z @ W2 + b2
    scores = scores - np.max(scores, axis=1, keepdims=True)
    probs = np.exp(scores) / np.sum(np.exp(scores), axis=1, keepdims=True)
    loss = 0.0
    for n in range(N):
        loss -= np.log(probs[n, y[n]])
    loss = loss / N + 0.5 * reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
    dscores = probs.copy()
    for n in range(N):
        dscores[n, y[n]] -= 1
    dscores /= N
    dW2 = z.T @ dscores + reg * W2
    db2 = np.sum(dscores, axis=0)
    dp = (dscores @ W2.T).reshape(p.shape)
    dr = max_pool_backward(dp, pool_cache)
    da = dr * (a > 0)
    _, dW1, db1 = conv_backward(da, conv_cache)
    return loss, {"W1": dW1 + reg * W1, "b1": db1, "W2": dW2, "b2": db2}
