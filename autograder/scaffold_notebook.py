"""The master notebook ``autograder new`` writes: the example assignment's text, solutions and check cells.

It is laid out as the course's notebooks are, so that what an instructor
copies from it is right: the "How to check and submit" cell, the setup cell
(under ``if __name__ == "__main__":``, which the grader never runs), each
part's explanation, its solution cells, and a ``grader.check("PART")`` cell
after it. Every cell carries nbgrader's metadata: solution cells
(``solution: true``) hold the answer between ``### BEGIN SOLUTION`` and
``### END SOLUTION``, which ``release`` replaces with ``raise
NotImplementedError()``; every other cell is locked. Cell ids are the
cells' ``grade_id``, so the notebook (and its release) is the same at every
run. Built with nbformat (the instructor extra), imported here only.
"""

from __future__ import annotations

INTRO = """\
# {title}

In this assignment you write, with numpy, the two halves of an affine (fully
connected) layer: the forward pass and the backward pass that
backpropagation needs.

**Rules.**
- Replace every `raise NotImplementedError()` with your code; keep the names
  and signatures of the functions exactly as they are.
- Row-vector convention: a batch `X` has shape `(N, D)`, the weights `W`
  shape `(D, M)` and the bias `b` shape `(M,)`.
- Do not change the arrays you are given.
- Import only `numpy`, `math` and the standard library.
- The grader runs your imports, definitions and assignments, and skips
  top-level expressions and loops: cells where you try things out cost
  nothing when grading."""

HOW_TO_CHECK = """\
## How to check and submit

**Install the checker** once, in the Python environment this notebook's kernel
runs in (Python 3.11 or newer, on Linux; on Windows, inside WSL):

    pip install nngrader

then run the cell below. After each part a cell `grader.check("PART")` runs
that part's public tests on the code you have run in this notebook: run your
cells first (a cell you fix and run again counts). `grader.check_all()`
checks every part. Your code runs the way the grader runs it, in a separate,
restricted process, so a check never changes your notebook's variables. From
a terminal in this folder, `autograder check {name} {name}.ipynb` checks the
saved notebook instead.

Passing the public tests is a start, not your score: the grader also runs
hidden tests with other shapes, dtypes and edge cases.

**What to submit:** this notebook, saved, as `{name}.ipynb` (keep that name),
or the same functions as `{name}.py`. The grader runs only your imports,
definitions and assignments: the `grader.check` cells are skipped and cost
nothing."""

SETUP = """\
# Sets up grader.check. Only in Jupyter: when grading, __name__ is not "__main__" and nothing here runs.
if __name__ == "__main__":
    try:
        from autograder.notebook import Checker
        grader = Checker("{name}")
    except ImportError:
        from types import SimpleNamespace
        _missing = ("grader.check needs the checker: run `pip install nngrader` in this notebook's environment "
                    "(Python 3.11+, Linux or WSL), restart the kernel and run this cell again.")
        print(_missing)
        grader = SimpleNamespace(check=lambda part=None: print(_missing), check_all=lambda: print(_missing))"""

FORWARD_TEXT = r"""## 1. Forward pass

An affine layer maps each row $x$ of a batch to $x W + b$. For the whole
batch at once,

$$Y = X W + b,$$

where $b$ is added to every row (numpy's broadcasting does this). Shapes:
$X$ is $(N, D)$, $W$ is $(D, M)$, $b$ is $(M,)$ and $Y$ is $(N, M)$. Inputs
whose shapes do not fit must raise a `ValueError` (numpy's `@` already does)."""

FORWARD_SOLUTION = '''\
def affine_forward(X, W, b):
    """The affine layer's output X @ W + b for a batch.

    X: (N, D) inputs; W: (D, M) weights; b: (M,) bias.
    Returns Y of shape (N, M). Shapes that do not fit raise ValueError.
    """
    ### BEGIN SOLUTION
    return np.asarray(X) @ np.asarray(W) + np.asarray(b)
    ### END SOLUTION'''

BACKWARD_TEXT = r"""## 2. Backward pass

Backpropagation gives the layer `dout`, the gradient of a loss $L$ with
respect to its output $Y$ (shape $(N, M)$). The chain rule turns it into the
gradients with respect to the layer's input and parameters:

$$\frac{\partial L}{\partial X} = \frac{\partial L}{\partial Y} W^\top, \qquad
\frac{\partial L}{\partial W} = X^\top \frac{\partial L}{\partial Y}, \qquad
\frac{\partial L}{\partial b} = \sum_{i=1}^{N} \frac{\partial L}{\partial Y_{i,:}}.$$

Each gradient has the shape of what it is the gradient of: `dX` is $(N, D)$,
`dW` is $(D, M)$ and `db` is $(M,)$. The bias is added to every row, so its
gradient sums over the batch."""

BACKWARD_SOLUTION = '''\
def affine_backward(dout, X, W):
    """Gradients of the affine layer for the upstream gradient dout.

    dout: (N, M) gradient of the loss with respect to Y = X @ W + b;
    X: (N, D) and W: (D, M) as given to affine_forward.
    Returns (dX, dW, db) with shapes (N, D), (D, M) and (M,).
    """
    ### BEGIN SOLUTION
    dout, X, W = np.asarray(dout), np.asarray(X), np.asarray(W)
    return dout @ W.T, X.T @ dout, dout.sum(axis=0)
    ### END SOLUTION'''

CHECK_TEXT = """\
**Check part `{part}`** ({title}, {points} points): the cell below runs its public
tests on the code you have run in this notebook."""

SUBMIT_TEXT = """\
## Before you submit

Restart the kernel and run every cell from the top, then the cell below: it
checks every part on what the notebook defines from scratch."""

def master(name: str, title: str, parts: list[dict]) -> str:
    """The master notebook of the example assignment ``name``, as the text of an .ipynb file.

    ``parts``: the ``parts`` of its assignment.yaml (forward, then backward), so that the check cells'
    titles and points are the file's, written once."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    def cell(kind, grade_id: str, source: str, solution: bool = False):
        meta = {"nbgrader": {"grade": False, "grade_id": grade_id, "locked": not solution,
                             "schema_version": 3, "solution": solution, "task": False}}
        make = new_code_cell if kind == "code" else new_markdown_cell
        return make(source, id=grade_id, metadata=meta)

    def check(part: dict) -> list:
        text = CHECK_TEXT.format(part=part["name"], title=part["title"], points=f"{part['points']:g}")
        return [cell("markdown", f"md_check_{part['name']}", text),
                cell("code", f"check_{part['name']}", f'grader.check("{part["name"]}")')]

    forward, backward = parts
    cells = [cell("markdown", "intro", INTRO.format(title=title)),
             cell("markdown", "md_how_to_check", HOW_TO_CHECK.format(name=name)),
             cell("code", "check_setup", SETUP.format(name=name)),
             cell("code", "imports", "import numpy as np"),
             cell("markdown", "md_forward", FORWARD_TEXT),
             cell("code", "affine_forward", FORWARD_SOLUTION, solution=True),
             *check(forward),
             cell("markdown", "md_backward", BACKWARD_TEXT),
             cell("code", "affine_backward", BACKWARD_SOLUTION, solution=True),
             *check(backward),
             cell("markdown", "md_submit", SUBMIT_TEXT),
             cell("code", "check_all", "grader.check_all()")]
    nb = new_notebook(cells=cells, metadata={
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python", "version": "3.11"}})
    nbformat.validate(nb)
    return nbformat.writes(nb) + "\n"
