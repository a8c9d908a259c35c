# loses: conv_forward
# mistake: im2col's index arrays are computed on the first call and kept in a global, so a later call with other shapes gathers the wrong windows
_INDEX = {}


def conv_forward(x, w, b, stride=1, pad=0):
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out, W_out = _output_size(H, HH, stride, pad), _output_size(W, WW, stride, pad)
    if not _INDEX:                                   # compute the gather indices once, for speed
        _INDEX["rows"] = (stride * np.arange(H_out))[:, None, None, None] + np.arange(HH)[None, None, :, None]
        _INDEX["cols"] = (stride * np.arange(W_out))[None, :, None, None] + np.arange(WW)[None, None, None, :]
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    windows = x_pad[:, :, _INDEX["rows"], _INDEX["cols"]]          # (N, C, H_out, W_out, HH, WW)
    out = np.einsum("ncijhw,fchw->nfij", windows, w) + b.reshape(1, F, 1, 1)
    return out, (x, w, stride, pad)
