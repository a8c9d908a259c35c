"""``autograder new NAME``: a minimal assignment to start from, which releases and validates as written.

Why a working example and not empty templates: an instructor learns the
pieces (assignment.yaml, public and hidden tests, the support module, the
master notebook's nbgrader metadata) fastest by editing something that
already passes ``autograder release`` and ``autograder validate``, and can
check after every edit that it still does. The example is an affine layer
in two parts (forward, backward) that uses the fixtures and checks a real
assignment uses: ``student``, ``reference``, ``rng``, ``config``,
``check_close`` with known mistakes, ``numerical_gradient``,
``expect_raises``, ``@weight`` and ``parametrize``.

``new`` writes only new files: it refuses a name that is not a Python
identifier (the name is also the submitted file's stem) and an assignment
whose folders exist, before writing anything. The master notebook is made
by :mod:`autograder.scaffold_notebook` (it needs nbformat, of the
instructor extra).
"""

from __future__ import annotations

import json
import keyword
from pathlib import Path

import yaml

from autograder import config, extras
from autograder.course import Course

ASSIGNMENT_YAML = """\
# The `{{name}}` assignment, made by `autograder new` as a starting point: edit it.
# Every key is described in docs/assignments.md of the autograder; the
# walkthrough is docs/authoring.md. `autograder release` copies this file
# into the student's folder, comments included: write nothing here that
# students must not read.
name: {{name}}
title: {{title_yaml}}
student_file: {{name}}  # students submit {{name}}.ipynb or {{name}}.py
allowed_imports: [numpy, math]  # beyond the standard library
course_rule: this assignment may import only numpy, math and the standard library

limits:
  call_timeout_s: 5          # one call into the student's code (the reference takes microseconds)
  load_timeout_s: 30         # loading the submission: imports and definitions
  statement_timeout_s: 2     # each top-level statement of the notebook other than an import
  submission_timeout_s: 120  # every test of one submission together
  cpu_s: 120                 # CPU seconds of the student's process over all its calls
  memory_mb: 1024            # address space of the student's process (numpy takes about 100 MB)
  output_kb: 256             # what the student's code may print

parts:
  - name: forward            # its tests: tests/public/test_forward.py and tests/hidden/test_forward.py
    title: Affine layer, forward pass
    points: 4
  - name: backward
    title: Affine layer, backward pass
    points: 6
    weights: {test_gradients_match_the_reference: 2}  # wins over @weight in the test file
  # A written answer, scored by a TA with `autograder adjust`: a manual part has
  # no tests; its answer is the notebook cell whose nbgrader grade_id is
  # answer_cell (docs/authoring.md, "Manually graded answers").
  # - name: explain
  #   title: Why db sums over the batch
  #   points: 2
  #   manual: true
  #   answer_cell: explain

tolerances:
  affine_float32: 1.0e-4     # tests/hidden/test_forward.py reads it with config.tolerance("affine_float32")
"""

PUBLIC_SUPPORT = '''\
"""Helpers of the {{name}} tests, public and hidden.

`autograder release` copies this file next to the public tests, because they
import it: students read it. It holds the hints that public and hidden tests
give for the same mistake, never an expected value of a hidden test.
"""
from autograder.testing import CheckFailed

FORGOT_BIAS = "add the bias b to every row of X @ W"
DB_IS_A_MEAN = "the bias is added to every row, so db is the sum of dout over the batch (axis 0), not its mean"


def unpack(result, n, what):
    """A function's tuple of ``n`` results, or a failure saying what came back instead."""
    if not isinstance(result, (tuple, list)) or len(result) != n:
        raise CheckFailed(f"{what} should return a tuple of {n} values, got {type(result).__name__}")
    return result
'''

PUBLIC_FORWARD = '''\
"""Public tests of affine_forward: what `grader.check("forward")` runs for students.

Expected values are the formula written out here, on a small input. Public
tests never use the `reference` fixture: students run them without it
(`autograder validate` refuses a public test that asks for it).
"""
import numpy as np

from autograder.testing import check_close, check_unchanged
from public_support import FORGOT_BIAS

X = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 0.0]])    # (N, D) = (2, 3)
W = np.array([[0.5, -1.0], [2.0, 0.0], [-0.5, 1.5]])  # (D, M) = (3, 2)
B = np.array([0.25, -2.0])                            # (M,)
for _shared in (X, W, B):
    _shared.setflags(write=False)  # shared constants: a student's in-place change must not reach later tests


def test_small_batch(student):
    check_close(student.affine_forward(X, W, B), X @ W + B, what="affine_forward(X, W, b) for X of shape (2, 3)",
                inputs=(X, W, B), mistakes={FORGOT_BIAS: X @ W})


def test_inputs_are_left_unchanged(student):
    x, w, b = X.copy(), W.copy(), B.copy()  # copies: the student's in-place changes come back into these
    y = student.affine_forward(x, w, b)
    check_close(y, X @ W + B, what="affine_forward(X, W, b)", inputs=(X, W, B))
    for before, after, name in ((X, x, "X"), (W, w, "W"), (B, b, "b")):
        check_unchanged(before, after, f"affine_forward (its argument {name})")
'''

PUBLIC_BACKWARD = '''\
"""Public tests of affine_backward: what `grader.check("backward")` runs for students.

The expected gradients are the grader's own central differences of
L = sum(dout * (X @ W + b)), whose gradients are exactly what affine_backward
returns; for a function linear in each argument they are accurate to about 1e-9.
"""
import numpy as np

from autograder.testing import check_close, numerical_gradient
from public_support import DB_IS_A_MEAN, unpack

X = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 0.0]])    # (N, D) = (2, 3)
W = np.array([[0.5, -1.0], [2.0, 0.0], [-0.5, 1.5]])  # (D, M) = (3, 2)
B = np.array([0.25, -2.0])                            # (M,)
DOUT = np.array([[1.0, -2.0], [0.5, 3.0]])            # (N, M)
for _shared in (X, W, B, DOUT):
    _shared.setflags(write=False)


def loss(x, w, b):
    return float(np.sum(DOUT * (x @ w + b)))


def test_gradients_by_central_differences(student):
    dx, dw, db = unpack(student.affine_backward(DOUT, X, W), 3, "affine_backward(dout, X, W)")
    check_close(dx, numerical_gradient(lambda x: loss(x, W, B), X), what="dX of affine_backward", tol=1e-6)
    check_close(dw, numerical_gradient(lambda w: loss(X, w, B), W), what="dW of affine_backward", tol=1e-6)
    check_close(db, numerical_gradient(lambda b: loss(X, W, b), B), what="db of affine_backward", tol=1e-6,
                mistakes={DB_IS_A_MEAN: DOUT.mean(axis=0)})
'''

HIDDEN_FORWARD = '''\
"""Hidden tests of affine_forward: random batches of two dtypes and wrong shapes, against the reference.

Hidden tests are never released and are shown to students by name only,
with the message of the check that failed: messages say what was called on
what kind of input, never the expected values.
"""
import numpy as np
import pytest

from autograder.testing import check_close, expect_raises, weight
from public_support import FORGOT_BIAS


@weight(2)  # two shares of the part's points for each dtype
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_random_batch(student, reference, rng, config, dtype):
    X = rng.standard_normal((7, 5)).astype(dtype)  # (N, D)
    W = rng.standard_normal((5, 3)).astype(dtype)  # (D, M)
    b = rng.standard_normal(3).astype(dtype)       # (M,)
    tol = config.tolerance("affine_float32") if dtype == "float32" else None  # None: the default for float64
    check_close(student.affine_forward(X, W, b), reference.affine_forward(X, W, b), tol=tol, inputs=(X, W, b),
                what=f"affine_forward(X, W, b) for a random (7, 5) batch of {dtype}",
                mistakes={FORGOT_BIAS: reference.affine_forward(X, W, np.zeros_like(b))})


def test_one_example(student, reference, rng):
    X, W, b = rng.standard_normal((1, 4)), rng.standard_normal((4, 6)), rng.standard_normal(6)
    check_close(student.affine_forward(X, W, b), reference.affine_forward(X, W, b),
                what="affine_forward(X, W, b) for a batch of one example", inputs=(X, W, b))


def test_mismatched_shapes_raise(student, rng):
    X, W, b = rng.standard_normal((3, 4)), rng.standard_normal((5, 2)), rng.standard_normal(2)
    expect_raises("ValueError", student.affine_forward, X, W, b, what="affine_forward with X (3, 4) and W (5, 2)")
'''

HIDDEN_BACKWARD = '''\
"""Hidden tests of affine_backward: a random batch, against the reference."""
from autograder.testing import check_close
from public_support import DB_IS_A_MEAN, unpack


def test_gradients_match_the_reference(student, reference, rng):
    N, D, M = 6, 4, 3
    X, W, dout = rng.standard_normal((N, D)), rng.standard_normal((D, M)), rng.standard_normal((N, M))
    got = unpack(student.affine_backward(dout, X, W), 3, "affine_backward(dout, X, W)")
    want = reference.affine_backward(dout, X, W)
    for name, value, expected in zip(("dX", "dW", "db"), got, want):
        check_close(value, expected, what=f"{name} of affine_backward for a random batch of {N}", inputs=(X, W),
                    mistakes={DB_IS_A_MEAN: dout.mean(axis=0)} if name == "db" else None)
'''

FILES = {  # path in the assignment's folder -> its text
    "assignment.yaml": ASSIGNMENT_YAML,
    "tests/public_support.py": PUBLIC_SUPPORT,
    "tests/public/test_forward.py": PUBLIC_FORWARD,
    "tests/public/test_backward.py": PUBLIC_BACKWARD,
    "tests/hidden/test_forward.py": HIDDEN_FORWARD,
    "tests/hidden/test_backward.py": HIDDEN_BACKWARD,
}


def fill(text: str, **values: str) -> str:
    """``{{key}}`` replaced by its value: the templates hold Python and YAML, whose braces str.format would take."""
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    return text


def check_name(name: str) -> None:
    """The name is a folder, the stem of the file students submit and the module their code becomes."""
    if not name.isidentifier() or keyword.iskeyword(name):
        raise config.ConfigError(f"{name!r} cannot name an assignment: use a Python identifier (letters, digits "
                                 "and _, not starting with a digit, not a keyword), e.g. affine_layers")


def new(course: Course, name: str, title: str | None = None) -> list[Path]:
    """Write the example assignment ``name`` into ``course``; the files written, in order.

    ConfigError, before anything is written, for a bad name or title, an
    assignment (or its solution or release folder) that exists, or nbformat missing.
    """
    from autograder import scaffold_notebook

    check_name(name)
    title = title if title is not None else name.replace("_", " ").capitalize()
    if not title.strip() or not title.isprintable():
        raise config.ConfigError(f"--title {title!r}: give one line of text")
    for folder in (course.assignment_dir(name), course.solution_dir(name), course.release_dir(name)):
        if folder.exists():
            raise config.ConfigError(f"{folder} already exists: `autograder new` never overwrites; "
                                     "pick another name or remove it")
    extras.require_instructor_tools("new", ("nbformat",))
    values = {"name": name, "title_yaml": _yaml_string(title)}
    files = {course.assignment_dir(name) / path: fill(text, **values) for path, text in FILES.items()}
    parts = yaml.safe_load(files[course.assignment_dir(name) / "assignment.yaml"])["parts"]
    files[course.solution_dir(name) / f"{name}.ipynb"] = scaffold_notebook.master(name, title, parts)
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as fh:  # "x": an existing file is an error, never overwritten
            fh.write(text)
    course.assignment(name)  # what was written loads: the same checks as every command's
    return list(files)


def _yaml_string(text: str) -> str:
    """``text`` as a YAML scalar: as it is when YAML reads it back unchanged, else double-quoted."""
    try:
        if yaml.safe_load(f"title: {text}") == {"title": text}:
            return text
    except yaml.YAMLError:
        pass
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar
