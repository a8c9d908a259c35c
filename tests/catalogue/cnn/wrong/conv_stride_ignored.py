# loses: conv_arithmetic, model
# mistake: conv_output_size ignores the stride.
def conv_output_size(size, kernel_size, padding=0, stride=1):
    out = size + 2 * padding - kernel_size + 1
    if out < 1:
        raise ValueError("the window does not fit")
    return out
