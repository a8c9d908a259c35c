# loses: conv_arithmetic, model
# mistake: conv_output_size forgets the + 1, counting the steps of the window instead of its positions.
def conv_output_size(size, kernel_size, padding=0, stride=1):
    out = (size + 2 * padding - kernel_size) // stride
    if out < 1:
        raise ValueError("the window does not fit")
    return out
