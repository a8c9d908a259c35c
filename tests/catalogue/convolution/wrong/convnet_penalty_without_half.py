# loses: convnet
# mistake: the penalty is reg * (sum(W1**2) + sum(W2**2)), without the 0.5 (the gradients keep reg * W)
_reference_convnet_loss = convnet_loss


def convnet_loss(X, y, params, reg=0.0):
    loss, grads = _reference_convnet_loss(X, y, params, reg)
    return loss + 0.5 * reg * (np.sum(params["W1"] ** 2) + np.sum(params["W2"] ** 2)), grads
