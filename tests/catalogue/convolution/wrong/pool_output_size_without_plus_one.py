# loses: max_pool, convnet
# mistake: the number of pooling windows is (H - pool_size) // stride, without the + 1, so the last row and column of windows are missing
def max_pool_forward(x, pool_size=2, stride=2):
    N, C, H, W = x.shape
    H_out, W_out = (H - pool_size) // stride, (W - pool_size) // stride
    if H_out < 1 or W_out < 1 or stride < 1:
        raise ValueError("the window does not fit")
    out = np.zeros((N, C, H_out, W_out))
    first = np.zeros((N, C, H_out, W_out), dtype=int)
    for i in range(H_out):
        for j in range(W_out):
            window = x[:, :, i * stride:i * stride + pool_size, j * stride:j * stride + pool_size].reshape(N, C, -1)
            first[:, :, i, j] = window.argmax(axis=-1)
            out[:, :, i, j] = window.max(axis=-1)
    return out, (x.shape, first, pool_size, stride)
