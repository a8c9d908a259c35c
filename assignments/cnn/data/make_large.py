"""Make ``large.npz``, a larger data set for GPU runners, from the digits of this folder.

The `cnn` assignment's configuration points its ``cuda`` settings at
``large.npz`` (``settings: cuda: dataset: large.npz``), which is not kept in
the repository. Either put your own file there (the layout is below), or
make this synthetic one, a pure function of the two digits files and the
arguments:

    python3 assignments/cnn/data/make_large.py              # writes assignments/cnn/data/large.npz

Every image of ``digits_train.npz`` (1437) gives ``--train-copies``
augmented images (default 8: 11496), every image of ``digits_heldout.npz``
(360) gives ``--test-copies`` (default 4: 1440), so held-out images come
from held-out digits only. Each copy is the digit upsampled to ``--size``
(default 16) pixels a side (bilinear), moved by a random affine map
(rotation up to 15 degrees, scale 0.9 to 1.1, shift up to a tenth of the
side), with Gaussian noise of standard deviation 0.05 added and the values
clipped to [0, 1]. Rows are shuffled. The thresholds and settings in
``assignment.yaml`` (``thresholds.large_accuracy``, ``settings.cuda``) were
measured on the file these defaults make; for other arguments or your own
data, measure the reference again and set them.

Layout of the file (numpy ``.npz``, compressed, readable with
``allow_pickle=False``), the same for any data set the settings name:

- ``X_train`` float32 (N, C, S, S) with values in [0, 1], ``y_train``
  int64 (N,) with classes 0..K-1;
- ``X_test`` float32 (M, C, S, S), ``y_test`` int64 (M,): the held-out
  set. It stays on the grader's side: the file is never released (only
  ``public_data`` is), and the held-out labels never enter a student's
  process.

Needs torch (for the warps), as the assignment does.
"""
from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SEED = 2026


def augment(images: np.ndarray, copies: int, size: int, generator) -> np.ndarray:
    """``copies`` random warps of each image (N, 1, s, s) at ``size`` pixels a side: (N * copies, 1, size, size)."""
    import torch
    import torch.nn.functional as F

    x = torch.from_numpy(images).repeat_interleave(copies, dim=0)                  # (N * copies, 1, s, s)
    x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)  # (B, 1, size, size)
    n = x.shape[0]
    angle = (torch.rand(n, generator=generator) * 2 - 1) * math.radians(15)
    scale = 0.9 + 0.2 * torch.rand(n, generator=generator)
    shift = (torch.rand(n, 2, generator=generator) * 2 - 1) * 0.2               # a tenth of the side ([-1, 1] is 2)
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack([torch.stack([cos, -sin, shift[:, 0]], 1),
                         torch.stack([sin, cos, shift[:, 1]], 1)], 1)               # (B, 2, 3)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    x = x + 0.05 * torch.randn(x.shape, generator=generator)
    return x.clamp(0.0, 1.0).numpy().astype(np.float32)


def make(digits: dict, size: int = 16, train_copies: int = 8, test_copies: int = 4, seed: int = SEED) -> dict:
    """The four arrays from the digits' X_train, y_train, X_test, y_test."""
    import torch

    generator = torch.Generator().manual_seed(seed)
    out = {}
    for split, copies in (("train", train_copies), ("test", test_copies)):
        X = augment(digits[f"X_{split}"], copies, size, generator)
        y = np.repeat(digits[f"y_{split}"].astype(np.int64), copies)
        order = torch.randperm(len(y), generator=generator).numpy()
        out[f"X_{split}"], out[f"y_{split}"] = X[order], y[order]
    return out


def read_digits(folder: Path = HERE) -> dict:
    out = {}
    for name in ("digits_train.npz", "digits_heldout.npz"):
        with np.load(folder / name, allow_pickle=False) as f:
            out.update({k: f[k] for k in f.files})
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=16, help="side of the images (8 to 32)")
    parser.add_argument("--train-copies", type=int, default=8)
    parser.add_argument("--test-copies", type=int, default=4)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, default=HERE / "large.npz")
    args = parser.parse_args(argv)
    arrays = make(read_digits(), args.size, args.train_copies, args.test_copies, args.seed)
    np.savez_compressed(args.out, **arrays)
    print(f"wrote {args.out}: train {arrays['X_train'].shape}, held-out {arrays['X_test'].shape}")


if __name__ == "__main__":
    main()
