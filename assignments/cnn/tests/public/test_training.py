"""Public tests of train and predict on a small, easy problem.

Four classes of 8x8 images, each with a bright quarter in a different
corner. ``device`` is "cpu" here, or "cuda" on a grader with a GPU.
"""
import numpy as np
import torch

from autograder.testing import CheckFailed


def _corners(per_class=32):
    g = torch.Generator().manual_seed(0)
    y = torch.arange(4).repeat_interleave(per_class)                       # (N,)
    X = 0.3 * torch.rand(len(y), 1, 8, 8, generator=g)                     # (N, 1, 8, 8)
    for k in range(4):
        r, c = divmod(k, 2)
        X[y == k, 0, 4 * r:4 * r + 4, 4 * c:4 * c + 4] += 0.6
    perm = torch.randperm(len(y), generator=g)
    return X[perm], y[perm]


def test_train_returns_one_float_per_epoch(student, device):
    X, y = _corners()
    model = student.build_model(1, 8, 4)
    losses = student.train(model, X, y, device, 3, 16, 0.005)
    if not isinstance(losses, (list, tuple)) or len(losses) != 3:
        size = f" of length {len(losses)}" if hasattr(losses, "__len__") else ""
        raise CheckFailed(f"train(..., epochs=3, ...) returned a {type(losses).__name__}{size}; expected a list "
                          "of 3 floats")
    for v in losses:
        if isinstance(v, torch.Tensor):
            raise CheckFailed("train returned tensors in its list; use loss.item() to get Python floats")
        if not isinstance(v, (float, np.floating)) or not np.isfinite(v):
            raise CheckFailed(f"train returned {v!r} as an epoch's loss; expected a finite float")


def test_predict_returns_int64_classes(student, device):
    X, y = _corners()
    model = student.build_model(1, 8, 4)
    student.train(model, X, y, device, 3, 16, 0.005)
    pred = student.predict(model, X, device)
    if not isinstance(pred, np.ndarray):
        raise CheckFailed(f"predict returned a {type(pred).__name__}; return a numpy array "
                          "(tensor.cpu().numpy())")
    if pred.shape != (len(y),) or pred.dtype != np.int64:
        raise CheckFailed(f"predict returned an array of shape {pred.shape} and dtype {pred.dtype}; expected "
                          f"shape ({len(y)},) and dtype int64")
