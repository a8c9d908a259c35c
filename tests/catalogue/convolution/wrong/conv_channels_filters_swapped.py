# loses: conv_forward, convnet
# mistake: w read as (C, F, HH, WW): the einsum pairs the input channels with w's first axis and the filters with its second
def conv_forward(x, w, b, stride=1, pad=0):
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out, W_out = _output_size(H, HH, stride, pad), _output_size(W, WW, stride, pad)
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((N, F, H_out, W_out))
    for di in range(HH):
        for dj in range(WW):
            patch = x_pad[:, :, di:di + stride * (H_out - 1) + 1:stride, dj:dj + stride * (W_out - 1) + 1:stride]
            out += np.einsum("nchw,cf->nfhw", patch, w[:, :, di, dj])
    return out + b.reshape(1, -1, 1, 1), (x, w, stride, pad)
