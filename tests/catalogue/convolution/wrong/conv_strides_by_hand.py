# loses: conv_forward
# mistake: as_strided with strides computed from the shape as if x were C-contiguous; with pad = 0 a transposed x is read out of order
def conv_forward(x, w, b, stride=1, pad=0):
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out, W_out = _output_size(H, HH, stride, pad), _output_size(W, WW, stride, pad)
    x_pad = x if pad == 0 else np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    Hp, Wp = x_pad.shape[2:]
    item = x_pad.itemsize
    strides = (C * Hp * Wp * item, Hp * Wp * item, stride * Wp * item, stride * item, Wp * item, item)
    windows = np.lib.stride_tricks.as_strided(x_pad, (N, C, H_out, W_out, HH, WW), strides, writeable=False)
    out = np.einsum("ncijhw,fchw->nfij", windows, w) + b.reshape(1, F, 1, 1)
    return out, (x, w, stride, pad)
