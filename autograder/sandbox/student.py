"""The ``student`` that tests receive: the student's functions, called by name.

Instructors write ``student.relu_grad(z)`` as if the student's module were
imported; this proxy is all of the sandbox they program against (with the
exceptions of ``faults.py``). It stays this small on purpose: everything it
does goes through a :class:`~autograder.sandbox.session.StudentSession`,
which owns the process, the clocks and the channel.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from autograder.sandbox.faults import StudentTimeout

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

    def loop_sgd(self, function: str, X, y, params: dict, args: tuple = (), *, lr: float, batches) -> object:
        """Mini-batch SGD with the student's ``function`` for gradients, run as ONE call by the grader's loop
        in the student's process (``probes.sgd``) instead of one call per step.

        For each row ``idx`` of ``batches`` (a (steps, batch) array of row indices of X and y, drawn by the
        test): ``loss, grads = function(X[idx], y[idx], params, *args)``, then ``params[name] -= lr *
        grads[name]`` for every name of ``params``. Each step is reseeded like a direct call. The whole loop
        runs under one time limit: the call timeout, or ``with_timeout``'s seconds.

        Returns what the student's process sent back, believed no more than any value from there: pass it to
        ``checks.check_training``, which checks it and returns the trained parameters, or fails with the first
        step whose result was unusable. An exception in the student's code is raised as for a direct call.
        """
        if not (isinstance(function, str) and function.isidentifier()):
            raise TypeError("function must be the name of the student's function")
        X, y = np.asarray(X), np.asarray(y)
        params = {str(name): np.array(value, dtype=np.float64) for name, value in params.items()}
        batches = np.asarray(batches)
        if batches.ndim != 2 or batches.dtype.kind not in "iu" or \
                (batches.size and (batches.min() < 0 or batches.max() >= min(len(X), len(y)))):
            raise ValueError("batches must be a (steps, batch) array of row indices of X and y")
        timeouts = self._session.timeouts.get(function, 0)
        try:
            return self._session.call(function, (function, X, y, params, tuple(args)),
                                      {"lr": float(lr), "batches": batches.astype(np.int64)},
                                      timeout=self._timeout, probe="sgd")
        except StudentTimeout as exc:
            if self._session.timeouts.get(function, 0) == timeouts:  # not run at all: its own message says why
                raise
            seconds = self._timeout or self._session.config.call_timeout_s
            raise StudentTimeout(f"{len(batches)} training steps with your {function}() did not finish within "
                                 f"{seconds:g} s (an infinite loop, or far too slow)") from exc

    def warnings(self) -> list[str]:
        """numpy warnings (overflow, invalid value, ...) raised during the last call."""
        return list(self._session.last_warnings)

    def defines(self, name: str) -> bool:
        report = self._session.report
        return bool(report and name in report.functions)
