# loses: convnet
# mistake: the convolution is padded by 1 whatever the kernel, so a 5 x 5 kernel shrinks the maps and W2 no longer fits


def convnet_loss(X, y, params, reg=0.0):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    a, conv_cache = conv_forward(X, W1, b1, 1, 1)
    p, pool_cache = max_pool_forward(np.maximum(a, 0), 2, 2)
    z = p.reshape(N, -1)
    s = z @ W2 + b2
    s = s - s.max(axis=1, keepdims=True)
    probs = np.exp(s) / np.exp(s).sum(axis=1, keepdims=True)
    loss = -np.mean(np.log(probs[np.arange(N), y])) + 0.5 * reg * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
    ds = probs.copy()
    ds[np.arange(N), y] -= 1
    ds /= N
    dr = max_pool_backward((ds @ W2.T).reshape(p.shape), pool_cache)
    _, dW1, db1 = conv_backward(dr * (a > 0), conv_cache)
    return loss, {"W1": dW1 + reg * W1, "b1": db1, "W2": z.T @ ds + reg * W2, "b2": ds.sum(axis=0)}
