# loses: max_pool
# mistake: dx[window] = mask * dout writes the whole window, wiping what overlapping windows routed there before
def max_pool_backward(dout, cache):
    x, pool_size, stride = cache
    N, C, H_out, W_out = dout.shape
    dx = np.zeros(x.shape)
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    rows = slice(i * stride, i * stride + pool_size)
                    cols = slice(j * stride, j * stride + pool_size)
                    window = x[n, c, rows, cols]
                    mask = np.zeros(window.size)
                    mask[np.argmax(window)] = 1.0
                    dx[n, c, rows, cols] = mask.reshape(window.shape) * dout[n, c, i, j]
    return dx


_reference_max_pool_forward = max_pool_forward


def max_pool_forward(x, pool_size=2, stride=2):
    out, _ = _reference_max_pool_forward(x, pool_size, stride)
    return out, (x, pool_size, stride)
