# loses: conv_arithmetic
# mistake: conv_output_size adds the padding once instead of on both sides.
def conv_output_size(size, kernel_size, padding=0, stride=1):
    out = (size + padding - kernel_size) // stride + 1
    if out < 1:
        raise ValueError("the window does not fit")
    return out
