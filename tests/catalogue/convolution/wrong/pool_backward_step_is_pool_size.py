# loses: max_pool
# mistake: the window's argmax is turned into an image position with pool_size as the step (i * pool_size + k // pool_size) instead of the stride
def max_pool_backward(dout, cache):
    shape, first, pool_size, stride = cache
    N, C, H_out, W_out = dout.shape
    dx = np.zeros(shape)
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    k = first[n, c, i, j]
                    r, q = i * pool_size + k // pool_size, j * pool_size + k % pool_size
                    if r < shape[2] and q < shape[3]:
                        dx[n, c, r, q] += dout[n, c, i, j]
    return dx
