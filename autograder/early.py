"""Starting the student's box early: before the grader's own heavy imports (``check``).

A student's ``autograder check`` waits for two interpreters that each import
numpy: the grader's (its tests and the channel use numpy) and the box's (the
student's code does). One after the other they add up; :func:`start_box`
launches the box first, so that it boots on another core while the grader
imports the rest, and the session's ``zygote.acquire`` takes it. Nothing here
imports numpy.

:func:`box_settings` is the one place that says which box a session needs
(its limits and the libraries a warm box preloads):
``grade.session_config`` takes them from here, so that a box started early is
the box the session asks for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from autograder.sandbox import zygote
from autograder.sandbox.limits import Limits

if TYPE_CHECKING:
    from autograder.config import Assignment


def box_settings(assignment: "Assignment", device: str = "cpu", threads: int = 1) -> tuple[Limits, tuple[str, ...]]:
    """(limits, preload) of a student process for ``assignment``: its budgets, its share of the cores, the
    GPUs for 'cuda', and the libraries a warm parent imports before it forks (numpy and the allowed ones)."""
    limits = Limits.of(assignment.budgets, threads=threads, cuda=device == "cuda")
    return limits, tuple(dict.fromkeys(("numpy", *assignment.allowed_imports)))


def start_box(assignment: "Assignment", slot: int = 0, device: str = "cpu", threads: int = 1) -> None:
    """Launch the warm box that grading ``assignment`` in ``slot`` will ask for, without waiting for it
    (nothing where warm boxes are off; ``zygote.prestart``)."""
    limits, preload = box_settings(assignment, device, threads)
    zygote.prestart(limits, slot, preload, assignment.budgets.load_timeout_s)
