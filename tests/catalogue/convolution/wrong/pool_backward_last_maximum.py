# loses: max_pool
# mistake: ties go to the last maximum of the window (a loop keeping the position of every value >= the best so far)
def max_pool_backward(dout, cache):
    x, pool_size, stride = cache
    N, C, H_out, W_out = dout.shape
    dx = np.zeros(x.shape)
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    best, where = -np.inf, (0, 0)
                    for di in range(pool_size):
                        for dj in range(pool_size):
                            value = x[n, c, i * stride + di, j * stride + dj]
                            if value >= best:
                                best, where = value, (i * stride + di, j * stride + dj)
                    dx[n, c, where[0], where[1]] += dout[n, c, i, j]
    return dx


_reference_max_pool_forward = max_pool_forward


def max_pool_forward(x, pool_size=2, stride=2):
    out, _ = _reference_max_pool_forward(x, pool_size, stride)
    return out, (x, pool_size, stride)
