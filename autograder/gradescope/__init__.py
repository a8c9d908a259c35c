"""Gradescope: the course's grader as an autograder zip, and what that zip runs inside Gradescope.

Gradescope builds an Ubuntu image from the zip once (``setup.sh``, as root)
and then runs ``run_autograder`` once per submission, with the student's files
in ``/autograder/submission`` and ``results.json`` expected in
``/autograder/results``. The zip carries this grader's own source and a
course folder cut down to the one assignment, so a course's other
assignments (their hidden tests and references) never leave the instructor's
machine.

- :mod:`.bundle` writes the zip (``autograder export gradescope NAME``);
- :mod:`.scripts` holds the two shell scripts, kept thin: all they decide
  is which Python to use and what to write when Python itself cannot start;
- :mod:`.source` is the grader's source as a folder pip can install;
- :mod:`.container` grades one submission inside the image
  (``python3 -m autograder.gradescope run``), always leaving a results.json;
- :mod:`.metadata` reads Gradescope's ``submission_metadata.json``, as
  hostile input.

The root ``/autograder`` can be moved with ``AUTOGRADER_GRADESCOPE_ROOT`` so
that the whole path is tested on any machine.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT_ENV = "AUTOGRADER_GRADESCOPE_ROOT"
DEFAULT_ROOT = "/autograder"


def root() -> Path:
    """Gradescope's ``/autograder``, or the folder ``AUTOGRADER_GRADESCOPE_ROOT`` names."""
    return Path(os.environ.get(ROOT_ENV) or DEFAULT_ROOT)
