"""``grader.check("part")`` in a Jupyter notebook: the public tests of one part, on the code the kernel ran.

In a notebook::

    from autograder.notebook import Checker
    grader = Checker("backprop")
    grader.check("activations")      # one part's public tests
    grader.check_all()               # every part's

Why the kernel's history and not the saved file: a student checks what they
have just run, saved or not, and a cell run again after a fix counts as the
kernel counts it, last definition winning. The cells come from IPython's
input history (raw, in the order they ran) and become one submission through
:func:`autograder.extract.from_cells`, which drops IPython-only lines as it
does for a notebook file; that submission is graded by the same
:func:`autograder.grade.grade_submission` as ``autograder check``, with the
public tests only. So the student's code runs in the sandbox, with the
grader's limits and top-level rules, never in the kernel: an infinite loop
or a crash costs a test, not the kernel, and state left in the kernel by
cells since deleted is seen exactly as the grader would see it, through the
history that made it. Messages name cells by the number Jupyter shows
beside them (``cell [12]``), as the student sees them.

Importing this module is cheap (the grading modules load on the first
check), and a problem (outside IPython, an unknown part, no assignment found)
is a :class:`CheckError`, which IPython shows as its message alone.
"""

from __future__ import annotations

import ast
import html
import sys
from dataclasses import dataclass
from pathlib import Path

CSS = {"pass": "color:#176f2c", "fail": "color:#b3261e;font-weight:bold", "note": "color:#7a5d00",
       "total": "font-weight:bold"}


class CheckError(Exception):
    """A check that could not run; ``str()`` says why and what to do."""

    def _render_traceback_(self):  # IPython shows this instead of a traceback through the grader
        return [f"grader.check: {self}"]


@dataclass(frozen=True)
class CheckResult:
    """What one check found: shown as text (``repr``) or, in Jupyter, as HTML."""

    part: str | None  # None: every part
    passed: int
    total: int
    lines: tuple  # verdict.Line, already cleaned of control characters
    result: object  # the record.Result behind it

    @property
    def ok(self) -> bool:
        return self.total > 0 and self.passed == self.total

    def __repr__(self) -> str:
        return "\n".join(line.text for line in self.lines)

    def _repr_html_(self) -> str:
        """Every line escaped: test messages and printed output are the student's code's text."""
        rows = "".join(f'<span style="{CSS.get(line.kind, "")}">{html.escape(line.text)}</span>\n'
                       for line in self.lines)
        return f'<pre style="white-space:pre-wrap">{rows}</pre>'


class Checker:
    """The public tests of assignment ``name``, run on the code this notebook's kernel has run.

    ``course`` (a :class:`autograder.course.Course`) is found when not given:
    the release folder the notebook is in, or the course folder it is under,
    from the folder the kernel started in (the notebook's; taken now, in case
    the notebook changes folder later). ``shell`` is the IPython shell whose
    history is checked (default: the running one).
    """

    def __init__(self, name: str, course=None, shell=None):
        self.name = name
        self._course = course
        self._shell = shell
        self._folder = Path.cwd()

    def __repr__(self) -> str:
        return f"Checker({self.name!r})"

    def assignment(self):
        """The assignment being checked (a CheckError, saying what to do, when it cannot be found)."""
        from autograder import config
        from autograder.course import Course, find
        try:
            return find(self.name, self._course or Course.enclosing(self._folder, self.name), self._folder)
        except config.ConfigError as exc:
            raise CheckError(f"{exc}. Open the notebook from its assignment folder (the one holding "
                             f"assignment.yaml and tests/), or pass the course: Checker({self.name!r}, "
                             "course=Course(PATH))") from None

    def parts(self) -> list[str]:
        return [p.name for p in self.assignment().parts]

    def check(self, part: str) -> CheckResult:
        """The public tests of ``part`` on the code the kernel has run."""
        cells = self.cells()
        assignment = self.assignment()
        names = [p.name for p in assignment.parts]
        if part not in names:
            raise CheckError(f"{self.name} has no part {part!r}; its parts are: {', '.join(names)}")
        return self._run(assignment, cells, (part,), part)

    def check_all(self) -> CheckResult:
        """The public tests of every part on the code the kernel has run."""
        cells = self.cells()
        assignment = self.assignment()
        return self._run(assignment, cells, tuple(p.name for p in assignment.parts), None)

    def cells(self) -> list[tuple[str, str]]:
        """(label, source) of each cell the kernel ran, in the order it ran them."""
        shell = self._shell or _running_shell()
        if shell is None:
            raise CheckError(f"grader.check works inside a Jupyter notebook (an IPython kernel). From a "
                             f"terminal, check the saved notebook: autograder check {self.name} .")
        history = getattr(getattr(shell, "history_manager", None), "input_hist_raw", None)
        if history is None:  # the raw history keeps magics as written, so that they are dropped, not run
            history = shell.user_ns.get("In", [])
        namespace = getattr(shell, "user_ns", {})
        return [(f"cell [{n}]", src) for n, src in enumerate(history)
                if n and isinstance(src, str) and src.strip() and not _only_checks(src, namespace)]

    def _run(self, assignment, cells: list, parts: tuple[str, ...], part: str | None) -> CheckResult:
        from autograder import config, extract, extras, verdict
        from autograder.grade import grade_submission
        try:
            extras.require(assignment)
        except config.ConfigError as exc:
            raise CheckError(str(exc)) from None
        filename = f"{assignment.student_file}.ipynb"
        found = extract.from_cells(filename, cells, assignment.intake)
        data = (found.source or "").encode("utf-8", "surrogatepass")
        result = grade_submission(assignment, "notebook", filename, data, visibilities=("public",), parts=parts,
                                  found=found)
        lines = tuple(verdict.lines(result, part))
        return CheckResult(part, sum(t.passed for t in result.outcomes), len(result.outcomes), lines, result)


def _only_checks(src: str, namespace: dict) -> bool:
    """A cell that only sets up or calls a checker (``grader = Checker(...)``, ``grader.check(...)``, with
    the names as the kernel has them): left out of the checked code, since it cannot run in the sandbox
    (autograder is not importable there) and would only add notes about itself."""
    try:
        body = ast.parse(src).body
    except (SyntaxError, ValueError):  # magics, or broken: extract's notes say so
        return False

    def about_checker(stmt) -> bool:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in stmt.names] if isinstance(stmt, ast.Import) else [stmt.module or ""]
            return all(n.split(".")[0] == "autograder" for n in names)
        value = stmt.value if isinstance(stmt, (ast.Expr, ast.Assign)) else None
        func = value.func if isinstance(value, ast.Call) else None
        if isinstance(func, ast.Name):
            return namespace.get(func.id) is Checker
        return isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and \
            isinstance(namespace.get(func.value.id), Checker)

    return bool(body) and all(about_checker(stmt) for stmt in body)


def _running_shell():
    """The IPython shell this code runs in, or None (a plain interpreter, or IPython not installed)."""
    if "IPython" not in sys.modules:  # never imported: not in IPython, and not worth 0.3 s
        return None
    from IPython import get_ipython
    return get_ipython()

