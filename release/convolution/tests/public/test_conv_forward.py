"""Public tests of conv_forward: the layout, the cross-correlation convention and the output size.

The expected values are worked out by hand in the comments.
"""
import numpy as np
import pytest

from autograder.testing import check_close, expect_raises
from public_support import output, pair, size_hints


def test_one_channel_is_a_cross_correlation(student):
    x = np.array([[[[1.0, 2.0, 0.0, 1.0],
                    [0.0, 1.0, 3.0, 1.0],
                    [2.0, 0.0, 1.0, 2.0]]]])                   # (N, C, H, W) = (1, 1, 3, 4)
    w = np.array([[[[1.0, 0.0],
                    [0.0, -1.0]]]])                            # (F, C, HH, WW) = (1, 1, 2, 2)
    b = np.array([0.5])
    # No flip: out[i, j] = x[i, j] - x[i + 1, j + 1] + 0.5, for i < 3 - 2 + 1 = 2 and j < 4 - 2 + 1 = 3.
    expected = np.array([[[[1 - 1, 2 - 3, 0 - 1],
                           [0 - 0, 1 - 1, 3 - 2]]]]) + 0.5
    out, _ = pair(student.conv_forward(x, w, b, 1, 0), "conv_forward")
    flipped = -expected + 1.0                                  # what w[:, :, ::-1, ::-1] would give
    check_close(output(out, (1, 1, 2, 3), "conv_forward with x (1, 1, 3, 4), w (1, 1, 2, 2)"), expected,
                what="conv_forward with x (1, 1, 3, 4), w (1, 1, 2, 2), stride=1, pad=0", inputs=(x,),
                mistakes={"the kernel is flipped: this layer is a cross-correlation (no flip)": flipped})


def test_channels_filters_stride_and_padding(student):
    x = np.stack([np.ones((3, 3)), np.arange(9.0).reshape(3, 3)])[None]      # (1, 2, 3, 3)
    w = np.zeros((2, 2, 2, 2))                                                # (F, C, HH, WW)
    w[0, 0] = 1.0                      # filter 0 adds up channel 0 (all ones): counts the real pixels in the window
    w[1, 1, 1, 1] = 1.0                # filter 1 picks the bottom-right pixel of the window in channel 1
    b = np.array([0.0, 10.0])
    # pad=1 makes x_pad 5 x 5; stride 2: windows start at rows 0, 2 and columns 0, 2 of x_pad,
    # H_out = W_out = (3 + 2 - 2) // 2 + 1 = 2.
    # Filter 0: the window at (0, 0) holds 1 pixel of the image, (0, 1) and (1, 0) hold 2, (1, 1) holds 4.
    # Filter 1: the bottom-right corners are x_pad[1, 1], [1, 3], [3, 1], [3, 3] = x[0, 0], [0, 2], [2, 0], [2, 2]
    # of channel 1, that is 0, 2, 6, 8, plus the bias 10.
    expected = np.array([[[[1.0, 2.0], [2.0, 4.0]], [[10.0, 12.0], [16.0, 18.0]]]])
    out, _ = pair(student.conv_forward(x, w, b, 2, 1), "conv_forward")
    what = "conv_forward with x (1, 2, 3, 3), w (2, 2, 2, 2), stride=2, pad=1"
    check_close(output(out, (1, 2, 2, 2), what), expected, what=what, inputs=(x,))


@pytest.mark.parametrize("x_shape,w_shape,stride,pad,expected", [
    ((2, 3, 8, 6), (4, 3, 3, 2), 2, 1, (2, 4, 4, 4)),    # H: (8 + 2 - 3) // 2 + 1 = 4 (row 9 of x_pad unused)
    ((1, 1, 10, 9), (2, 1, 3, 2), 3, 0, (1, 2, 3, 3)),   # H: (10 - 3) // 3 + 1 = 3, W: (9 - 2) // 3 + 1 = 3
    ((1, 2, 5, 5), (3, 2, 5, 5), 1, 2, (1, 3, 5, 5)),    # "same" padding for a 5 x 5 kernel
])
def test_output_shape(student, x_shape, w_shape, stride, pad, expected):
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    what = f"conv_forward with x {x_shape}, w {w_shape}, stride={stride}, pad={pad}"
    out, _ = pair(student.conv_forward(x, w, np.zeros(w_shape[0]), stride, pad), what)
    output(out, expected, what, size_hints(x_shape, w_shape[2:], stride, pad,
                                           lambda ho, wo: (x_shape[0], w_shape[0], ho, wo)))


def test_kernel_larger_than_the_padded_image_raises_value_error(student):
    x, w = np.zeros((1, 1, 4, 4)), np.zeros((1, 1, 7, 3))
    expect_raises("ValueError", student.conv_forward, x, w, np.zeros(1), 1, 1,
                  what="conv_forward with x (1, 1, 4, 4), w (1, 1, 7, 3), pad=1 (4 + 2 rows < 7)")
