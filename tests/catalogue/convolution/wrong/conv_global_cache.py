# loses: conv_backward
# mistake: the forward pass keeps x and w in a global instead of the cache, so a backward pass after another forward call uses the wrong ones
_LAST = {}
_reference_conv_forward, _reference_conv_backward = conv_forward, conv_backward


def conv_forward(x, w, b, stride=1, pad=0):
    _LAST.update(x=x, w=w, stride=stride, pad=pad)
    out, _ = _reference_conv_forward(x, w, b, stride, pad)
    return out, None


def conv_backward(dout, cache):
    return _reference_conv_backward(dout, (_LAST["x"], _LAST["w"], _LAST["stride"], _LAST["pad"]))
