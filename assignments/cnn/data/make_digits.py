"""Rebuild the 8x8 digit images of `cnn` from a scikit-learn wheel.

Provenance and licence: see README.md in this folder. The images are the
UCI "Optical Recognition of Handwritten Digits" test set (E. Alpaydin and
C. Kaynak, 1998) as scikit-learn ships it in ``sklearn/datasets/data/
digits.csv.gz``: 1797 rows of 64 pixel counts in 0..16 followed by the
digit. scikit-learn itself is not installed or imported; the wheel is only
opened as a zip file:

    python3 -m pip download --no-deps scikit-learn -d /tmp/skl
    python3 assignments/cnn/data/make_digits.py /tmp/skl/scikit_learn-*.whl

The output is a pure function of the CSV and the constants below (checked
with the file of scikit-learn 1.9.1, whose CSV has not changed since 2011).

Files (numpy ``.npz``, compressed, readable with ``allow_pickle=False``):

- ``digits_train.npz``: ``X_train`` float32 (N, 1, 8, 8) with values
  k / 16 in [0, 1], ``y_train`` int64 (N,), N = 1437. Shipped to students.
- ``digits_heldout.npz``: ``X_test`` float32 (360, 1, 8, 8) and ``y_test``
  int64 (360,). For the grader's trusted side only: never released, and its
  labels never enter the student's process.

The split is stratified: for each digit, a fixed permutation (seed 1998)
puts 36 of its images in the held-out set (all classes have 174 to 183
images), the rest in the training set. Rows of each file are then shuffled
with the same seed, so they are not sorted by class.

The larger data set of GPU runners (``settings: cuda: dataset: large.npz``
in ``assignment.yaml``) is made from these two files by ``make_large.py``,
or supplied by the instructor in the same layout (README.md).
"""
from __future__ import annotations

import gzip
import io
import sys
import zipfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
MEMBER = "sklearn/datasets/data/digits.csv.gz"
SEED = 1998
HELDOUT_PER_CLASS = 36


def read_csv(wheel: Path) -> tuple[np.ndarray, np.ndarray]:
    """Pixels (1797, 64) uint8 in 0..16 and digits (1797,) from the wheel's CSV."""
    with zipfile.ZipFile(wheel) as zf:
        text = gzip.decompress(zf.read(MEMBER)).decode("ascii")
    table = np.loadtxt(io.StringIO(text), delimiter=",", dtype=np.int64)
    assert table.shape == (1797, 65), table.shape
    pixels, digits = table[:, :64], table[:, 64]
    assert pixels.min() >= 0 and pixels.max() <= 16 and set(np.unique(digits)) == set(range(10))
    return pixels.astype(np.uint8), digits


def split(pixels: np.ndarray, digits: np.ndarray):
    rng = np.random.default_rng(SEED)
    held, train = [], []
    for c in range(10):
        idx = np.flatnonzero(digits == c)
        idx = idx[rng.permutation(len(idx))]
        held.append(idx[:HELDOUT_PER_CLASS])
        train.append(idx[HELDOUT_PER_CLASS:])
    held, train = np.concatenate(held), np.concatenate(train)
    held, train = held[rng.permutation(len(held))], train[rng.permutation(len(train))]

    def images(rows):
        return (pixels[rows].reshape(-1, 1, 8, 8).astype(np.float32) / np.float32(16.0))

    return (images(train), digits[train].astype(np.int64)), (images(held), digits[held].astype(np.int64))


def load(folder: Path = HERE) -> dict:
    """The four arrays, as the grader uses them."""
    with np.load(folder / "digits_train.npz", allow_pickle=False) as f:
        out = {k: f[k] for k in f.files}
    with np.load(folder / "digits_heldout.npz", allow_pickle=False) as f:
        out.update({k: f[k] for k in f.files})
    return out


def main(argv: list[str]) -> None:
    if len(argv) != 1:
        sys.exit(__doc__)
    pixels, digits = read_csv(Path(argv[0]))
    (X_train, y_train), (X_test, y_test) = split(pixels, digits)
    np.savez_compressed(HERE / "digits_train.npz", X_train=X_train, y_train=y_train)
    np.savez_compressed(HERE / "digits_heldout.npz", X_test=X_test, y_test=y_test)
    print(f"train {X_train.shape} held-out {X_test.shape}; class counts (train) {np.bincount(y_train).tolist()}")


if __name__ == "__main__":
    main(sys.argv[1:])
