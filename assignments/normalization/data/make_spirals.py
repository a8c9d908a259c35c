"""Synthetic spirals for the integration part of `normalization`.

Provenance: every point is made up by this script from fixed seeds; no data
set is involved, so the files carry no licence terms.

Regenerate (the output is a pure function of the constants below):

    python3 assignments/normalization/data/make_spirals.py

Three classes of points in the plane, each an arm of a spiral that winds
one and a half turns around the origin; the angle of every point is
perturbed by Gaussian noise, so neighbouring arms overlap near the centre
and no classifier reaches 100 %. A linear classifier gets about 0.46, the
majority class 1/3; a small network with hidden layers gets above 0.9.

Files (numpy ``.npz``, uncompressed, readable with ``allow_pickle=False``):

- ``spirals_train.npz``: ``X`` (600, 2) float64, ``y`` (600,) int64, 200
  points per class in random order. Shipped to students.
- ``spirals_heldout.npz``: ``X`` (900, 2), ``y`` (900,), 300 per class, drawn
  with another seed. For the grader's trusted side only: never released.
"""
from pathlib import Path

import numpy as np

CLASSES = 3
TURNS = 1.5          # how far each arm winds around the origin
ANGLE_NOISE = 0.3    # standard deviation of the noise on each point's angle, in radians
TRAIN = (200, 1)     # (points per class, seed)
HELDOUT = (300, 2)


def spirals(per_class, seed):
    """(X, y): per_class points of each class, shuffled."""
    rng = np.random.default_rng(seed)
    X, y = [], []
    for c in range(CLASSES):
        radius = np.linspace(0.05, 1.0, per_class)                       # (per_class,)
        angle = (2 * np.pi * c / CLASSES + 2 * np.pi * TURNS * radius
                 + ANGLE_NOISE * rng.standard_normal(per_class))
        X.append(np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1))
        y.append(np.full(per_class, c, dtype=np.int64))
    X, y = np.concatenate(X), np.concatenate(y)
    order = rng.permutation(len(y))
    return X[order], y[order]


def main(folder=Path(__file__).resolve().parent):
    for name, (per_class, seed) in (("spirals_train.npz", TRAIN), ("spirals_heldout.npz", HELDOUT)):
        X, y = spirals(per_class, seed)
        np.savez(folder / name, X=X, y=y)


if __name__ == "__main__":
    main()
