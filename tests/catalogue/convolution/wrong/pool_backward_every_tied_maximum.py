# loses: max_pool
# mistake: the gradient goes through the mask window == window.max(), so every tied maximum gets a full copy of it
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
                    dx[n, c, rows, cols] += (window == window.max()) * dout[n, c, i, j]
    return dx


_reference_max_pool_forward = max_pool_forward


def max_pool_forward(x, pool_size=2, stride=2):
    out, _ = _reference_max_pool_forward(x, pool_size, stride)
    return out, (x, pool_size, stride)
