# loses: conv_arithmetic
# mistake: conv_output_size uses int(a / b), which truncates towards zero, so a kernel that does not fit with a stride passes.
def conv_output_size(size, kernel_size, padding=0, stride=1):
    out = int((size + 2 * padding - kernel_size) / stride) + 1
    if out < 1:
        raise ValueError("the window does not fit")
    return out
