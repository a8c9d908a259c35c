# loses: conv_arithmetic
# mistake: conv_output_size adds the 1 before dividing by the stride.
def conv_output_size(size, kernel_size, padding=0, stride=1):
    out = (size + 2 * padding - kernel_size + 1) // stride
    if out < 1:
        raise ValueError("the window does not fit")
    return out
