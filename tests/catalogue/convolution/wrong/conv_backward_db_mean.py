# loses: conv_backward, convnet
# mistake: db averaged over the batch (divided by N) instead of summed
def conv_backward(dout, cache):
    x, w, stride, pad = cache
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    _, _, H_out, W_out = dout.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dx_pad, dw = np.zeros(x_pad.shape), np.zeros(w.shape)
    for i in range(H_out):
        for j in range(W_out):
            rows, cols = slice(i * stride, i * stride + HH), slice(j * stride, j * stride + WW)
            dx_pad[:, :, rows, cols] += np.einsum("nf,fchw->nchw", dout[:, :, i, j], w)
            dw += np.einsum("nf,nchw->fchw", dout[:, :, i, j], x_pad[:, :, rows, cols])
    db = dout.sum(axis=(0, 2, 3)) / N
    return dx_pad[:, :, pad:pad + H, pad:pad + W], dw, db
