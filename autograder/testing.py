"""What instructors import in an assignment's test files.

A test is a plain function named ``test_*`` whose parameters name the
fixtures it needs:
- ``student``: the student's functions, called in the sandbox;
- ``reference``: the reference solution (hidden tests only; it never enters
  the student's process or the release);
- ``rng``: a numpy Generator seeded from the test's name, so inputs are the
  same at every grading;
- ``data``: the assignment's data folder (a ``pathlib.Path``).

``@remembered`` marks a helper whose answer depends only on its arguments
(an expected value computed from the reference): it is computed once per
grading process for each distinct question, and every later submission gets
a copy (``autograder/memo.py`` says which questions qualify).

``@weight(n)`` gives a test n shares of its part's points (default 1). The
part is the file's name: ``test_<part>.py``. ``pytest.mark.parametrize``
works; each case is a test of its own.
"""

from autograder.checks import (  # noqa: F401  (re-exported for test authors)
    CheckFailed,
    PartialCredit,
    check_array,
    check_gradient,
    check_close,
    check_no_warnings,
    check_scalar,
    check_training,
    check_true,
    check_unchanged,
    expect_raises,
    function_result,
    numerical_gradient,
    numerical_gradient_elementwise,
    recognise,
    rel_error,
    threshold_credit,
)
from autograder.memo import remembered  # noqa: F401  (re-exported for test authors)
from autograder.sandbox.probes import FUNCTIONS  # noqa: F401  (f for Student.call_with_function, here too)


def weight(n: float):
    """Give a test ``n`` shares of its part's points."""

    def mark(func):
        func.weight = float(n)
        return func

    return mark
