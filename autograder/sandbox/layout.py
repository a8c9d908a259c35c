"""Arrays keep their memory layout when they cross the channel.

Real code meets views: a transposed matrix, a Fortran-ordered array, a
slice with a step. Code that assumes C order (writing through
``x.reshape(-1)``, which copies a view instead of aliasing it) works on a
C-ordered array and fails on those. A test that hands the student such an
array must therefore reach the student's code with that layout, not with a
C-ordered copy.

A non-C-contiguous array is sent as the span of memory its elements cover
(a 1-d buffer) with its strides and offset counted in elements; the
receiver rebuilds the same view over that buffer. Positions of the span the
view does not use are sent as 0: they never carry other data of the sender
(a view of a larger array does not leak the rest of it). Layouts that
cannot be described this way (broadcast or overlapping elements, strides
that are not whole elements, spans mostly made of gaps) are sent C-ordered,
as every array was before.

The receiver trusts nothing: strides and offset must be integers, every
element of the view must lie inside the buffer, and the view may not hold
more elements than the buffer, so a forged layout can neither reach memory
outside the bytes received nor make an array larger than them.

This module is imported in the student's process too: numpy only.
"""

from __future__ import annotations

import numpy as np

MAX_GAP_FACTOR = 4  # a span more than 4x the elements (plus a little) is sent C-ordered instead


def describe(arr: np.ndarray) -> tuple[np.ndarray, list[int], int] | None:
    """(buffer, strides, offset) that rebuild ``arr`` with its layout, or None to send it C-ordered.

    ``buffer`` is 1-d, of ``arr``'s dtype; strides and offset count elements.
    """
    if arr.ndim == 0 or arr.size == 0 or arr.flags.c_contiguous:
        return None
    item = arr.itemsize
    if any(s % item for s, n in zip(arr.strides, arr.shape) if n > 1):
        return None
    steps = [s // item if n > 1 else 0 for s, n in zip(arr.strides, arr.shape)]
    if any(n > 1 and st == 0 for st, n in zip(steps, arr.shape)):
        return None  # broadcast: the receiver gets an ordinary array
    low = sum((n - 1) * st for st, n in zip(steps, arr.shape) if st < 0)
    high = sum((n - 1) * st for st, n in zip(steps, arr.shape) if st > 0)
    span = high - low + 1
    if span < arr.size or span > MAX_GAP_FACTOR * arr.size + 64:
        return None  # overlapping elements, or mostly gaps
    buffer = np.zeros(span, dtype=arr.dtype)
    _view(buffer, arr.shape, steps, -low)[...] = arr
    return buffer, steps, -low


def rebuild(buffer: np.ndarray, shape: list, strides, offset) -> np.ndarray:
    """The view of the 1-d ``buffer`` that :func:`describe` described; ValueError when it does not fit."""
    if not (isinstance(strides, list) and len(strides) == len(shape) and type(offset) is int
            and all(type(s) is int for s in strides)):
        raise ValueError("malformed array layout")
    count = 1
    for n in shape:
        count *= n
    steps = [s if n > 1 else 0 for s, n in zip(strides, shape)]
    low = offset + sum((n - 1) * s for s, n in zip(steps, shape) if s < 0)
    high = offset + sum((n - 1) * s for s, n in zip(steps, shape) if s > 0)
    if count == 0 or count > buffer.size or low < 0 or high >= buffer.size:
        raise ValueError("array layout reaches outside its bytes")
    return _view(buffer, shape, steps, offset)


def _view(buffer: np.ndarray, shape, steps, offset: int) -> np.ndarray:
    """The strided view of ``buffer`` starting at element ``offset`` (bounds checked by the callers)."""
    item = buffer.itemsize  # np.ndarray over the buffer: ten times faster than as_strided, and it checks bounds too
    return np.ndarray(tuple(shape), buffer.dtype, buffer, offset * item, tuple(s * item for s in steps))
