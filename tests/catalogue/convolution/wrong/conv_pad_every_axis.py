# loses: conv_forward, convnet
# mistake: np.pad(x, pad) pads every axis, the batch and channel axes included, instead of only H and W
def conv_forward(x, w, b, stride=1, pad=0):
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    x_pad = np.pad(x, pad)
    H_out, W_out = (x_pad.shape[2] - HH) // stride + 1, (x_pad.shape[3] - WW) // stride + 1
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = x_pad[n, :C, i * stride:i * stride + HH, j * stride:j * stride + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out, (x, w, stride, pad)
