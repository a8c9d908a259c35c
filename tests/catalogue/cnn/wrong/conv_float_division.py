# loses: conv_arithmetic, model
# mistake: conv_output_size uses true division and returns a float, without the floor.
def conv_output_size(size, kernel_size, padding=0, stride=1):
    out = (size + 2 * padding - kernel_size) / stride + 1
    if out < 1:
        raise ValueError("the window does not fit")
    return out
