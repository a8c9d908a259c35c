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

    def torch_forward(self, model, X, training: bool = False):
        """``model(X)`` run by the grader's code in the student's process, not by the student's ``predict``:
        the model put in training mode or not (and left so), no gradient tracking, X moved to the device of
        the model's parameters; the output (a CPU tensor for a tensor). See ``probes.forward``."""
        return self._session.call("model", (model, X), {"training": training}, timeout=self._timeout,
                                  probe="forward")

    def torch_watch(self, model, values: bool = False) -> list[dict]:
        """Start recording how the model is called (mode, gradient tracking, input device and rows, with
        ``values`` the inputs and outputs); returns the calls recorded since the last watch. See
        ``probes.watch``."""
        return self._session.call("torch_watch", (model,), {"values": values}, timeout=self._timeout,
                                  probe="watch")

    def warnings(self) -> list[str]:
        """numpy warnings (overflow, invalid value, ...) raised during the last call."""
        return list(self._session.last_warnings)

    def defines(self, name: str) -> bool:
        report = self._session.report
        return bool(report and name in report.functions)
