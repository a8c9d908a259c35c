"""Public tests of conv_backward on the two examples of the conv_forward tests.

The expected gradients are worked out by hand in the comments from
  db[f] = sum of dout[:, f],
  dw[f, c, di, dj] = sum over n, i, j of dout[n, f, i, j] * x_pad[n, c, i*s + di, j*s + dj],
  dx_pad[n, c, i*s + di, j*s + dj] += dout[n, f, i, j] * w[f, c, di, dj] for every window.
(The hidden tests compare with central differences of the instructor's forward pass on random inputs; the
notebook shows how to run such a check on your own code.)
"""
import numpy as np

from autograder.testing import check_close
from public_support import PAD_SLICE, output, pair, triple


def _check(student, x, w, b, stride, pad, dout, expected, where):
    _, cache = pair(student.conv_forward(x, w, b, stride, pad), f"conv_forward ({where})")
    grads = triple(student.conv_backward(dout, cache), f"conv_backward ({where})")
    for name, value, target, want in zip(("dx", "dw", "db"), grads, (x, w, b), expected):
        what = f"{name} from conv_backward ({where})"
        hints = {PAD_SLICE: x.shape[:2] + (0, 0)} if name == "dx" and pad == 0 else None   # dx_pad[.., 0:-0, 0:-0]
        check_close(output(value, target.shape, what, hints), want, what=what, inputs=(x,))


def test_one_channel(student):
    x = np.array([[[[1.0, 2.0, 0.0, 1.0],
                    [0.0, 1.0, 3.0, 1.0],
                    [2.0, 0.0, 1.0, 2.0]]]])          # (1, 1, 3, 4)
    w = np.array([[[[1.0, 0.0],
                    [0.0, -1.0]]]])                   # out[i, j] = x[i, j] - x[i + 1, j + 1] + b
    dout = np.array([[[[1.0, 2.0, 3.0],
                       [4.0, 5.0, 6.0]]]])            # (1, 1, 2, 3)
    # db: 1 + 2 + ... + 6 = 21.
    # dw[di, dj] = sum of dout[i, j] * x[i + di, j + dj], e.g. dw[0, 0] = 1*1 + 2*2 + 3*0 + 4*0 + 5*1 + 6*3 = 28.
    dw = np.array([[[[28.0, 30.0],
                     [25.0, 27.0]]]])
    # dx[r, q] gets +dout[r, q] where it is the top-left pixel of a window (r < 2, q < 3) and -dout[r-1, q-1]
    # where it is the bottom-right one (r >= 1, q >= 1).
    dx = np.array([[[[1.0, 2.0, 3.0, 0.0],
                     [4.0, 5.0 - 1.0, 6.0 - 2.0, -3.0],
                     [0.0, -4.0, -5.0, -6.0]]]])
    _check(student, x, w, np.array([0.5]), 1, 0, dout, (dx, dw, np.array([21.0])),
           "x (1, 1, 3, 4), w (1, 1, 2, 2), stride=1, pad=0")


def test_two_channels_stride_2_pad_1(student):
    x = np.stack([np.ones((3, 3)), np.arange(9.0).reshape(3, 3)])[None]      # (1, 2, 3, 3)
    w = np.zeros((2, 2, 2, 2))
    w[0, 0] = 1.0                            # filter 0: the sum of channel 0 over the window
    w[1, 1, 1, 1] = 1.0                      # filter 1: the bottom-right pixel of channel 1
    dout = np.ones((1, 2, 2, 2))
    # x_pad is 5 x 5 with the image in rows and columns 1-3; the windows start at (0, 0), (0, 2), (2, 0), (2, 2).
    # db: four output pixels per filter.
    db = np.array([4.0, 4.0])
    # dw[f, c, di, dj] adds x_pad[c] at the four positions (di, dj) + window start, the same for both filters:
    # channel 0 (ones) counts the real pixels among them: 1 for offset (0, 0), 2 for (0, 1) and (1, 0), 4 for
    # (1, 1); channel 1 adds the values there: 4; 3 + 5; 1 + 7; 0 + 2 + 6 + 8.
    dw = np.tile(np.array([[[1.0, 2.0], [2.0, 4.0]], [[4.0, 8.0], [8.0, 16.0]]]), (2, 1, 1, 1))
    # dx: filter 0 sends 1 to every pixel of every window (they do not overlap and cover the image) in
    # channel 0; filter 1 sends 1 to the bottom-right pixel of each window in channel 1, the image's corners.
    dx = np.stack([np.ones((3, 3)), np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 0.0], [1.0, 0.0, 1.0]])])[None]
    _check(student, x, w, np.array([0.0, 10.0]), 2, 1, dout, (dx, dw, db),
           "x (1, 2, 3, 3), w (2, 2, 2, 2), stride=2, pad=1, dout all ones")
