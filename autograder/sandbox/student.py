"""The ``student`` that tests receive: the student's functions, called by name.

Instructors write ``student.relu_grad(z)`` as if the student's module were
imported; this proxy is all of the sandbox they program against (with the
exceptions of ``faults.py``). It stays this small on purpose: everything it
does goes through a :class:`~autograder.sandbox.session.StudentSession`,
which owns the process, the clocks and the channel.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from autograder.sandbox import faults
from autograder.sandbox.faults import StudentTimeout
from autograder.sandbox.probes import FUNCTIONS, OBJECTIVES

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

    def loop_sgd(self, function: str, X, y, params: dict, args: tuple = (), *, lr: float, batches) -> "LoopRun":
        """Mini-batch SGD with the gradients of the student's ``function``, run as ONE call by the grader's loop
        in the student's process (``probes.sgd``) instead of one call per step.

        For each row ``idx`` of ``batches`` (a (steps, batch) array of row indices of X and y, drawn by the
        test): ``loss, grads = function(X[idx], y[idx], params, *args)``, then ``params[name] -= lr *
        grads[name]`` for every name of ``params``. Each step is reseeded like a direct call. The whole loop
        runs under one time limit: the call timeout, or ``with_timeout``'s seconds.

        Returns a :class:`LoopRun`: pass it to ``checks.check_training``, which checks what came back and
        returns the trained parameters, or fails with the first step whose result was unusable. An exception
        in the student's code is raised as for a direct call.
        """
        X, y = np.asarray(X), np.asarray(y)
        batches = np.asarray(batches)
        if batches.ndim != 2 or batches.dtype.kind not in "iu" or \
                (batches.size and (batches.min() < 0 or batches.max() >= min(len(X), len(y)))):
            raise ValueError("batches must be a (steps, batch) array of row indices of X and y")
        start = _floats(params)
        return self._loop("sgd", function, start, len(batches), (X, y, start, tuple(args)),
                          {"lr": float(lr), "batches": batches.astype(np.int64)})

    def loop_descend(self, rule: str, w, config: dict, steps: int, objective: str, data: dict,
                     max_loss: float = float("inf")) -> "LoopRun":
        """Full-batch descent with the student's update ``rule``, run as ONE call by the grader's loop in the
        student's process (``probes.descend``): the gradient is the grader's objective ``objective`` (one of
        ``probes.OBJECTIVES``, given ``data``).

        Each step: the objective's loss and gradient dw at w (the loop stops early when the loss is not
        finite or above ``max_loss``), then ``w, config = rule(w, dw, config)``. The config starts as
        ``config`` and is the one the rule returned from then on. Reseeded and timed as :meth:`loop_sgd`;
        returns a :class:`LoopRun` whose parameters are ``{"w": w}``, for ``checks.check_training``.
        """
        if objective not in OBJECTIVES:
            raise ValueError(f"unknown objective {objective!r}: one of {sorted(OBJECTIVES)}")
        start = _floats({"w": w})
        return self._loop("descend", rule, start, int(steps), (start["w"], dict(config), int(steps), objective,
                                                               dict(data)), {"max_loss": float(max_loss)})

    def _loop(self, loop: str, function: str, start: dict, steps: int, args: tuple, kwargs: dict) -> "LoopRun":
        """Call the loop probe ``loop`` on the student's ``function``; its reply, with what the grader asked."""
        if not (isinstance(function, str) and function.isidentifier()):
            raise TypeError("function must be the name of the student's function")
        timeouts = self._session.timeouts.get(function, 0)
        try:
            reply = self._session.call(function, (function, *args), kwargs, timeout=self._timeout, probe=loop)
        except StudentTimeout as exc:
            if self._session.timeouts.get(function, 0) == timeouts:  # not run at all: its own message says why
                raise
            raise faults.timed_out(function, exc.seconds, exc.derived,  # the limit the call really had
                                   what=f"{steps} training steps with your {function}()") from exc
        return LoopRun(loop, function, start, steps, reply)

    def call_with_function(self, function: str, f: str, data: dict, x, *args) -> "FunctionRun":
        """The student's ``function(f, x, *args)``, where ``f`` is the grader's scalar function ``f`` (one of
        ``probes.FUNCTIONS``, given ``data``) evaluated in the student's process (``probes.with_function``),
        not called back through the channel: a numerical gradient calls it twice per element of x.

        Otherwise a direct call: reseeded, timed, and x's changes in place come back to ``x`` here (``data``'s
        never do). Returns a :class:`FunctionRun`: pass it to ``checks.function_result`` for the student's
        return value and the points f was evaluated at (to explain a failure; they earn nothing).
        """
        if f not in FUNCTIONS:
            raise ValueError(f"unknown function {f!r}: one of {sorted(FUNCTIONS)}")
        if not (isinstance(function, str) and function.isidentifier()):
            raise TypeError("function must be the name of the student's function")
        # A copy of data: the student's code can reach f's data and change it in place, and such changes come
        # back like any argument's; they must never reach the test's own values, from which it expects.
        reply = self._session.call(function, (function, f, copy.deepcopy(dict(data)), x, *args), {},
                                   timeout=self._timeout, probe="with_function")
        return FunctionRun(function, np.shape(x), reply)

    def warnings(self) -> list[str]:
        """numpy warnings (overflow, invalid value, ...) raised during the last call."""
        return list(self._session.last_warnings)

    def defines(self, name: str) -> bool:
        report = self._session.report
        return bool(report and name in report.functions)


@dataclass(frozen=True)
class LoopRun:
    """One run of a grader's loop in the student's process (:meth:`Student.loop_sgd`, ``loop_descend``).

    ``loop``, ``function``, ``start`` (the parameters it started from, float64 arrays) and ``steps`` (how many
    it was asked for) are the grader's own; ``reply`` is what the student's process sent back, believed no
    more than any value from there: ``checks.check_training`` reads it.
    """

    loop: str
    function: str
    start: dict
    steps: int
    reply: object


def _floats(params: dict) -> dict:
    return {str(name): np.array(value, dtype=np.float64) for name, value in params.items()}


@dataclass(frozen=True)
class FunctionRun:
    """One call of the student's ``function`` with a grader's function evaluated in the student's process
    (:meth:`Student.call_with_function`). ``shape`` (x's) is the grader's own; ``reply`` comes from the
    student's process and is believed no more than any value from there: ``checks.function_result`` reads it.
    """

    function: str
    shape: tuple
    reply: object
