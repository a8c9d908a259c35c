"""Arguments the student's code changed in place, changed in the caller's objects too.

A test calls ``student.step(w, config)`` as if the function ran in its own
process: an optimizer step that updates ``w`` in place, or fills a cache
dict, must leave the test's objects as a direct call would. The student's
process works on copies (the channel carries values), so its answer carries
the arguments as the call left them and this module copies that back: arrays
in place (those held in a tuple, such as a layer's cache, too), dict entries
in place or rebound as the student's code did, lists by content, random
generators by state.

Both sides of it: in the student's process, :func:`snapshot` and
:func:`unchanged` tell which arguments a call changed (only those go back,
so a call that reads a large array does not send it back); in the grader,
:func:`mirror_changes` copies those into the test's objects.
"""

from __future__ import annotations

import numpy as np


def mirror_changes(args: tuple, new_args: dict, kwargs: dict, new_kwargs: dict, kept: dict) -> None:
    """Copy the student's in-place changes of arguments back into the caller's objects.

    ``new_args`` maps positions (as strings) and ``new_kwargs`` names to the
    arguments the call changed, as it left them; the others did not change.
    ``kept[position or name]`` lists the entries of a dict argument that
    still hold the object the student received; only those are updated in
    place, the others are rebound to what the student put there.
    """
    for i, old in enumerate(args):
        if str(i) in new_args:
            _mirror(old, new_args[str(i)], kept.get(str(i)))
    for key, old in kwargs.items():
        if key in new_kwargs:
            _mirror(old, new_kwargs[key], kept.get(key))


def _mirror(old, new, kept=None) -> None:
    if isinstance(old, np.ndarray) and isinstance(new, np.ndarray) and old.shape == new.shape:
        if old.flags.writeable:
            np.copyto(old, new, casting="unsafe")
    elif type(old) is dict and isinstance(new, dict):
        same = set(kept) if isinstance(kept, list) else set()
        for key in list(old):
            if key not in new:
                del old[key]
        for key, value in new.items():
            if key in old and key in same and isinstance(old[key], (np.ndarray, dict, list)) and \
                    type(old[key]) is type(value) and _same_shape(old[key], value):
                _mirror(old[key], value)
            else:
                old[key] = value
    elif type(old) is list and isinstance(new, list):
        old[:] = new
    elif type(old) is tuple and isinstance(new, tuple) and len(old) == len(new):
        for old_item, new_item in zip(old, new):  # a tuple cannot change, the arrays in it can (a layer's cache)
            if isinstance(old_item, np.ndarray):
                _mirror(old_item, new_item)
    elif isinstance(old, np.random.Generator) and isinstance(new, np.random.Generator):
        if type(old.bit_generator) is type(new.bit_generator):
            old.bit_generator.state = new.bit_generator.state  # the student's draws advance it
            old_seq, new_seq = old.bit_generator.seed_seq, new.bit_generator.seed_seq
            if isinstance(old_seq, np.random.SeedSequence) and isinstance(new_seq, np.random.SeedSequence):
                old_seq.spawn(max(0, new_seq.n_children_spawned - old_seq.n_children_spawned))


def _same_shape(old, new) -> bool:
    """Whether ``new`` can be copied into ``old`` in place. Not ``np.shape``: it raises for a list of arrays
    of different shapes (a student's cache, say), and a list is replaced by content whatever its length."""
    return old.shape == new.shape if isinstance(old, np.ndarray) else True


_UINT = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}


def snapshot(value):
    """What :func:`unchanged` needs to tell whether a call changed ``value`` in place: copies of its
    arrays, the identity of what its lists and dicts hold, a generator's state. None for what a call
    cannot change or the caller never gets back (numbers, strings, objects behind handles)."""
    kind = type(value)
    if kind is np.ndarray:
        return value.copy()
    if kind is dict:
        return {k: (id(v), snapshot(v)) for k, v in value.items()}
    if kind is list:
        return [(id(v), snapshot(v)) for v in value]
    if kind is tuple:
        return tuple(snapshot(v) for v in value)
    if kind is np.random.Generator:
        return value.bit_generator.state
    return None


def unchanged(value, before) -> bool:
    """Whether ``value`` is as :func:`snapshot` saw it: the same bits in every array, the same objects in
    every list and dict entry."""
    kind = type(value)
    if kind is np.ndarray:
        return _same_bits(value, before)
    if kind is dict:
        return type(before) is dict and value.keys() == before.keys() and all(
            id(v) == before[k][0] and unchanged(v, before[k][1]) for k, v in value.items())
    if kind is list:
        return type(before) is list and len(value) == len(before) and all(
            id(v) == ident and unchanged(v, b) for v, (ident, b) in zip(value, before))
    if kind is tuple:
        return all(unchanged(v, b) for v, b in zip(value, before))
    if kind is np.random.Generator:
        return value.bit_generator.state == before
    return True


def _same_bits(a: np.ndarray, b) -> bool:
    """Bit for bit (a NaN equals itself, -0.0 differs from 0.0)."""
    if not isinstance(b, np.ndarray) or a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.nbytes <= 4096:  # small: comparing the bytes is faster than any numpy call
        return a.tobytes() == b.tobytes()
    unsigned = _UINT.get(a.itemsize)
    if unsigned is None:  # complex128: compared as numbers
        return bool(np.array_equal(a, b, equal_nan=True))
    return bool(np.array_equal(a.view(unsigned), b.view(unsigned)))
