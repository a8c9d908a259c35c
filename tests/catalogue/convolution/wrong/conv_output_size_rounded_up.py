# loses: conv_forward, max_pool
# mistake: the number of windows rounded up, (size + 2 * pad - window + stride - 1) // stride + 1, so a last window hangs over the edge
def _output_size(size, window, stride, pad=0):
    if stride < 1 or pad < 0:
        raise ValueError("bad stride or pad")
    count = (size + 2 * pad - window + stride - 1) // stride + 1
    if count < 1:
        raise ValueError("the window does not fit")
    return count
