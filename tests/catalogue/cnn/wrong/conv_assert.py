# loses: conv_arithmetic
# mistake: conv_output_size checks with assert, raising AssertionError instead of ValueError.
def conv_output_size(size, kernel_size, padding=0, stride=1):
    out = (size + 2 * padding - kernel_size) // stride + 1
    assert out >= 1, "the window does not fit"
    return out
