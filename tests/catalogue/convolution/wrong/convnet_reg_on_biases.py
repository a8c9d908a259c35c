# loses: convnet
# mistake: the biases are penalised too: 0.5 * reg * (W1, b1, W2, b2 all squared), and reg * b in their gradients
_reference_convnet_loss = convnet_loss


def convnet_loss(X, y, params, reg=0.0):
    loss, grads = _reference_convnet_loss(X, y, params, reg)
    for name in ("b1", "b2"):
        loss += 0.5 * reg * np.sum(params[name] ** 2)
        grads[name] = grads[name] + reg * params[name]
    return loss, grads
