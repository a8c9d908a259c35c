# loses: max_pool
# mistake: max_pool_forward computes its own output size without checks: a window larger than the image gives an empty output
def max_pool_forward(x, pool_size=2, stride=2):
    N, C, H, W = x.shape
    H_out, W_out = max((H - pool_size) // stride + 1, 0), max((W - pool_size) // stride + 1, 0)
    out = np.full((N, C, H_out, W_out), -np.inf)
    first = np.zeros((N, C, H_out, W_out), dtype=int)
    for i in range(H_out):
        for j in range(W_out):
            window = x[:, :, i * stride:i * stride + pool_size, j * stride:j * stride + pool_size].reshape(N, C, -1)
            first[:, :, i, j] = window.argmax(axis=-1)
            out[:, :, i, j] = window.max(axis=-1)
    return out, (x.shape, first, pool_size, stride)
