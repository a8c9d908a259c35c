# loses: conv_backward
# mistake: dx as the full convolution of the (dilated) dout with the kernel, forgetting to flip the kernel for it
def conv_backward(dout, cache):
    x, w, stride, pad = cache
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    _, _, H_out, W_out = dout.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dw = np.zeros(w.shape)
    for i in range(H_out):
        for j in range(W_out):
            rows, cols = slice(i * stride, i * stride + HH), slice(j * stride, j * stride + WW)
            dw += np.einsum("nf,nchw->fchw", dout[:, :, i, j], x_pad[:, :, rows, cols])
    dilated = np.zeros((N, F, (H_out - 1) * stride + 1, (W_out - 1) * stride + 1))
    dilated[:, :, ::stride, ::stride] = dout
    framed = np.pad(dilated, ((0, 0), (0, 0), (HH - 1, HH - 1), (WW - 1, WW - 1)))
    dx_pad = np.zeros(x_pad.shape)
    for r in range(framed.shape[2] - HH + 1):
        for q in range(framed.shape[3] - WW + 1):
            dx_pad[:, :, r, q] = np.einsum("nfhw,fchw->nc", framed[:, :, r:r + HH, q:q + WW], w)   # w not flipped
    return dx_pad[:, :, pad:pad + H, pad:pad + W], dw, dout.sum(axis=(0, 2, 3))
