"""Places in messages are what the student sees: a code cell by its position among code cells and its
first line, a function and the line within it; never the line of the source the sandbox loaded."""

import json

from autograder import places
from autograder.extract import extract
from autograder.sandbox.protocol import place
from helpers import outcome


def notebook(*cells) -> bytes:
    """A notebook of ('md' | 'code', source) cells."""
    return json.dumps({"cells": [{"cell_type": "markdown" if kind == "md" else "code", "source": src}
                                 for kind, src in cells], "nbformat": 4}).encode()


# Markdown cells between code cells; the 3rd code cell does not parse; the 4th raises on the 2nd line of add.
STUDENT = notebook(
    ("md", "# Mini\nSome text."),
    ("code", "import numpy as np"),
    ("md", "## Part 1"),
    ("code", "def slow():\n    return 1.0\nscale = undefined_name"),
    ("md", "## Part 2"),
    ("code", "def double(x):\n    return 2 * np.asarray(x)\ndef broken(:\n    pass"),
    ("md", "## Part 3"),
    ("code", "\n\ndef add(a, b):\n    total = a / 0\n    return total\n"),
)


def test_a_syntax_error_names_the_code_cell_and_its_first_line():
    found = extract("mini.ipynb", STUDENT, "mini")
    [note] = found.notes
    assert note.startswith('syntax error in code cell 3 (starting "def double(x):"), line 3 of the cell: ')
    assert note.endswith("; the cell was skipped")


def test_an_exception_names_the_function_the_line_within_it_and_the_cell(grade_source):
    result = grade_source(STUDENT, "mini.ipynb")
    assert outcome(result, "test_add_small").message == (
        'add() raised ZeroDivisionError: float division by zero '
        '(in add, line 2 of the function, in code cell 4 (starting "def add(a, b):"))')
    assert "line 3 of code cell 2 (starting \"def slow():\"): NameError: name 'undefined_name' is not defined" \
        in result.notes
    assert outcome(result, "test_double_vector").message == "your code does not define a function double()"


def test_callers_decorators_and_py_files(grade_source):
    helper = ("import functools\ndef helper(a):\n    x = 1\n    raise ValueError('line 7 is wrong')\n"
              "@functools.lru_cache\ndef add(a, b):\n    return helper(a)\n")
    message = outcome(grade_source(notebook(("code", "import numpy as np"), ("code", helper)), "mini.ipynb"),
                      "test_add_small").message
    assert message == (
        "add() raised ValueError: line 7 is wrong "  # the student's own "line 7" is left as it is
        '(in helper, line 3 of the function, in code cell 2 (starting "import functools"); '
        'called from add, line 2 of the function, in code cell 2 (starting "import functools"))')
    message = outcome(grade_source(helper), "test_add_small").message
    assert message == ("add() raised ValueError: line 7 is wrong "
                       "(in helper, line 4 of the file; called from add, line 7 of the file)")


def test_a_statement_that_fails_at_the_top_level_names_its_cell(grade_source):
    result = grade_source(notebook(("md", "x"), ("code", "import numpy as np\n\nvalue = np.zeros(3)[7]")),
                          "mini.ipynb")
    assert any(n.startswith('line 3 of code cell 1 (starting "import numpy as np"): IndexError:')
               for n in result.notes), result.notes


def test_a_hostile_first_line_is_cleaned_and_shortened():
    shown = places.first_line("\n  \n\x1b[2J# \u202eevil\tline\x07 " + "x" * 100)
    assert shown == "?[2J# ?evil line? " + "x" * 19 + "..." and len(shown) == places.START_CHARS
    found = extract("a.ipynb", notebook(("code", "\x1b]0;owned\x07def f(:")), "a")
    assert found.source is None and "\x1b" not in found.notes[0] and "\x07" not in found.notes[0]


def test_markers_are_the_only_text_rewritten():
    found = extract("a.ipynb", notebook(("code", "x = 1"), ("code", "def f(z):\n    return z")), "a")
    text = f"line 3 [[line 3]] {place(4, 'f', 3)} [[line 4 in f from x]]"
    assert found.locate(text) == ('line 3 line 1 of code cell 2 (starting "def f(z):") '
                                  'f, line 2 of the function, in code cell 2 (starting "def f(z):") '
                                  '[[line 4 in f from x]]')
    assert found.where(999) == 'line 997 of code cell 2 (starting "def f(z):")'  # past the end: the last cell
    assert found.where(7, "f", 1) == 'f, line 5 of code cell 2 (starting "def f(z):")'  # a def in another cell
