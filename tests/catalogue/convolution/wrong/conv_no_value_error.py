# loses: conv_forward
# mistake: no checks: a kernel larger than the padded image gives an empty output, stride 0 and a negative pad are not refused
def _output_size(size, window, stride, pad=0):
    return max((size + 2 * pad - window) // max(stride, 1) + 1, 0)


def conv_forward(x, w, b, stride=1, pad=0):
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    step = max(stride, 1)
    H_out, W_out = _output_size(H, HH, step, pad), _output_size(W, WW, step, pad)
    x_pad = np.pad(x, ((0, 0), (0, 0), (max(pad, 0),) * 2, (max(pad, 0),) * 2))
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = x_pad[n, :, i * step:i * step + HH, j * step:j * step + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out, (x, w, step, max(pad, 0))
