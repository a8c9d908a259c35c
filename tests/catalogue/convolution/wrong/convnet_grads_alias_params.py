# loses: convnet
# mistake: grads = params (the same dict, not a new one), so filling in the gradients overwrites the caller's parameters
_reference_convnet_loss = convnet_loss


def convnet_loss(X, y, params, reg=0.0):
    loss, computed = _reference_convnet_loss(X, y, params, reg)
    grads = params
    for name in ("W1", "b1", "W2", "b2"):
        grads[name] = computed[name]
    return loss, grads
