"""What an installation can do: the optional parts of the distribution, and one line when one is missing.

The distribution is ``nngrader`` (the name ``autograder`` on the package
index belongs to another project); the package and the command keep the name
``autograder``. A plain ``pip install nngrader`` grades and checks numpy
assignments. Extras add what only some users need:

- ``nngrader[torch]``: PyTorch, for assignments that import ``torch``;
- ``nngrader[cluster]``: Dask, for ``grade --cluster``;
- ``nngrader[instructor]``: nbformat and nbgrader, for ``new`` and ``release``;
- ``nngrader[similarity]``: copydetect, for ``similarity``.

A command that needs a missing extra stops before doing anything, with one
line naming it, instead of a traceback or a batch of grader faults.
"""

from __future__ import annotations

import importlib.util
import sys

from autograder.config import Assignment, ConfigError

DISTRIBUTION = "nngrader"
# each extra: the modules it brings, and what they are for
EXTRAS = {"torch": (("torch",), "assignments that import torch"),
          "instructor": (("nbformat", "nbgrader"), "new and release"),
          "cluster": (("distributed",), "grade --cluster"),
          "similarity": (("copydetect",), "similarity")}
EXTRA_OF_MODULE = {m: extra for extra, (modules, _) in EXTRAS.items() for m in modules}
# what grading itself imports in the trusted process: the tests use pytest's marks
GRADING_MODULES = ("numpy", "pytest", "yaml", "jinja2")


def installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def install_hint(extra: str | None = None) -> str:
    return f"pip install '{DISTRIBUTION}[{extra}]'" if extra else f"pip install {DISTRIBUTION}"


def missing_for(assignment: Assignment) -> list[str]:
    """One line per module that grading ``assignment`` needs and this Python lacks."""
    lines = [f"{m} is not installed: grading needs it ({install_hint()} installs it)"
             for m in GRADING_MODULES if not installed(m)]
    for module in assignment.allowed_imports:
        if module in sys.stdlib_module_names or installed(module):
            continue
        extra = EXTRA_OF_MODULE.get(module)
        lines.append(f"the {assignment.name} assignment needs {module}, which is not installed: "
                     + (install_hint(extra) if extra else f"pip install {module}"))
    return lines


def needed_by(assignment: Assignment) -> tuple[list[str], list[str]]:
    """What an installation made for grading only ``assignment`` (a Gradescope image) must add to a plain
    ``pip install nngrader``: the extras its imports need, and the other modules it allows that no
    extra brings (installed under their own name)."""
    wanted, others = [], []
    for module in assignment.allowed_imports:
        if module in sys.stdlib_module_names or module in GRADING_MODULES:
            continue
        extra = EXTRA_OF_MODULE.get(module)
        if extra and extra not in wanted:
            wanted.append(extra)
        elif not extra and module not in others:
            others.append(module)
    return wanted, others


def report() -> list[tuple[str, bool, str]]:
    """(module, installed, what for or how to get it) for ``doctor``: what grading needs, then each extra."""
    rows = [(m, installed(m), "needed to grade" if installed(m) else install_hint()) for m in GRADING_MODULES]
    for extra, (modules, purpose) in EXTRAS.items():
        rows += [(m, installed(m), f"for {purpose}" if installed(m)
                  else f"optional, for {purpose}: {install_hint(extra)}") for m in modules]
    return rows


def require(assignment: Assignment) -> None:
    """Stop before grading ``assignment`` where this installation cannot (a ConfigError: exit 2)."""
    missing = missing_for(assignment)
    if missing:
        raise ConfigError("; ".join(missing))


def require_extra(extra: str) -> None:
    """Stop a command that needs ``extra`` where it is not installed (a ConfigError: exit 2), in one line."""
    modules, purpose = EXTRAS[extra]
    missing = [m for m in modules if not installed(m)]
    if missing:
        raise ConfigError(f"{purpose} needs {' and '.join(missing)}, which is not installed: {install_hint(extra)}")


def require_instructor_tools(command: str = "release", modules: tuple[str, ...] = EXTRAS["instructor"][0]) -> None:
    """Stop ``command`` before it writes anything where ``modules`` (of the instructor extra) are missing:
    ``new`` needs nbformat alone, ``release`` nbgrader as well."""
    missing = [m for m in modules if not installed(m)]
    if missing:
        raise ConfigError(f"{command} needs {' and '.join(missing)}, the instructor's tools: "
                          f"{install_hint('instructor')}")
