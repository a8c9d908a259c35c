"""What one submission may spend: the one set of default budgets.

An assignment overrides these under ``limits:`` in its ``assignment.yaml``
(read by :mod:`autograder.config`); the sandbox takes its defaults from the
same numbers (:class:`autograder.sandbox.limits.Limits`,
:class:`autograder.sandbox.session.SessionConfig`). It is a leaf module, so
both the course side and the sandbox can depend on it without depending on
each other.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Budgets:
    """Time and memory a submission may use."""

    call_timeout_s: float = 10.0  # one call of a student's function
    load_timeout_s: float = 30.0  # loading the student's code
    statement_timeout_s: float = 2.0  # one top-level statement while loading
    submission_timeout_s: float = 300.0  # every test of the submission together
    cpu_s: int = 300  # CPU seconds of the student's process, all calls together
    memory_mb: int = 2048
    processes: int = 64
    output_kb: int = 1024  # what the student's code may print

    @property
    def memory_bytes(self) -> int:
        return int(self.memory_mb) * 1024**2

    @property
    def output_bytes(self) -> int:
        return int(self.output_kb) * 1024


DEFAULT = Budgets()
