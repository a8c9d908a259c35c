"""Public tests of conv_output_size(size, kernel_size, padding=0, stride=1).

The side of the output is floor((size + 2 * padding - kernel_size) / stride) + 1,
an int; ValueError when that would be smaller than 1.
"""
from autograder.testing import CheckFailed, expect_raises
from public_support import check_int


def _check(student, expected, size, kernel_size, padding=0, stride=1, about=""):
    what = f"conv_output_size({size}, {kernel_size}, padding={padding}, stride={stride}){about}"
    value = student.conv_output_size(size, kernel_size, padding=padding, stride=stride)
    check_int(value, what)
    if value != expected:
        raise CheckFailed(f"{what} returned {value}, expected {expected}")


def test_valid_convolution(student):
    _check(student, 28, 32, 5, about=" (a 5x5 kernel, no padding)")


def test_padding_keeps_the_size(student):
    _check(student, 28, 28, 5, padding=2, about=" (the lecture's nn.Conv2d(1, 6, kernel_size=5, padding=2))")
    _check(student, 8, 8, 3, padding=1)


def test_pooling_halves_the_size(student):
    _check(student, 4, 8, 2, stride=2, about=" (2x2 max-pooling)")


def test_kernel_larger_than_the_input(student):
    expect_raises("ValueError", student.conv_output_size, 3, 5, padding=0, stride=1,
                  what="conv_output_size(3, 5) (a 5x5 kernel on a 3x3 input)")
