# loses: conv_backward
# mistake: the cache is a dict that the backward pass empties with pop() to free memory, so the same cache cannot be used twice
_reference_conv_forward, _reference_conv_backward = conv_forward, conv_backward


def conv_forward(x, w, b, stride=1, pad=0):
    out, _ = _reference_conv_forward(x, w, b, stride, pad)
    return out, {"x": x, "w": w, "stride": stride, "pad": pad}


def conv_backward(dout, cache):
    x, w = cache.pop("x"), cache.pop("w")
    return _reference_conv_backward(dout, (x, w, cache["stride"], cache["pad"]))
