"""The ``student`` that tests receive: the student's functions, called by name.

Instructors write ``student.relu_grad(z)`` as if the student's module were
imported; this proxy is all of the sandbox they program against (with the
exceptions of ``faults.py``). It stays this small on purpose: everything it
does goes through a :class:`~autograder.sandbox.session.StudentSession`,
which owns the process, the clocks and the channel.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from autograder.sandbox.session import StudentSession


class Student:
    """What a test receives as ``student``: the student's functions, by name."""

    def __init__(self, session: "StudentSession", timeout: float | None = None):
        self._session = session
        self._timeout = timeout

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)

        def call(*args, **kwargs):
            return self._session.call(name, args, kwargs, timeout=self._timeout)

        call.__name__ = name
        return call

    def with_timeout(self, seconds: float) -> "Student":
        """The same student, whose calls may run for ``seconds`` (a training part's budget)."""
        return Student(self._session, seconds)

    def torch_info(self, model) -> dict:
        """Facts about a model the student built: see child.torch_info."""
        return self._session.torch_info(model)

    def warnings(self) -> list[str]:
        """numpy warnings (overflow, invalid value, ...) raised during the last call."""
        return list(self._session.last_warnings)

    def defines(self, name: str) -> bool:
        report = self._session.report
        return bool(report and name in report.functions)
