# loses: conv_arithmetic
# mistake: conv_output_size never raises ValueError and returns 0 or negative sizes.
def conv_output_size(size, kernel_size, padding=0, stride=1):
    return (size + 2 * padding - kernel_size) // stride + 1
