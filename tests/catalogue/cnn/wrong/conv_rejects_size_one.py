# loses: conv_arithmetic
# mistake: conv_output_size raises ValueError for an output of exactly 1, which is valid.
def conv_output_size(size, kernel_size, padding=0, stride=1):
    out = (size + 2 * padding - kernel_size) // stride + 1
    if out <= 1:
        raise ValueError("the window does not fit")
    return out
