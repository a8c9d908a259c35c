"""Helpers shared by the cnn tests, public and hidden.

Released next to the public tests, which import it: a student may read all
of it.
"""
import numpy as np

from autograder.testing import CheckFailed


def check_int(value, what):
    """A size must be an int (a numpy integer will do; a bool or a float will not)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise CheckFailed(f"{what} returned {value!r} of type {type(value).__name__}; return an int "
                          "(floor division // gives one)")
