# loses: max_pool, convnet
# mistake: average pooling: the mean of each window instead of its maximum (the backward pass still routes to the maximum)
_reference_max_pool_forward = max_pool_forward


def max_pool_forward(x, pool_size=2, stride=2):
    _, cache = _reference_max_pool_forward(x, pool_size, stride)
    N, C, H, W = x.shape
    H_out, W_out = cache[1].shape[2:]
    out = np.zeros((N, C, H_out, W_out))
    for i in range(H_out):
        for j in range(W_out):
            window = x[:, :, i * stride:i * stride + pool_size, j * stride:j * stride + pool_size]
            out[:, :, i, j] = window.mean(axis=(2, 3))
    return out, cache
