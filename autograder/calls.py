"""How long each call into a student's code may run: a multiple of the reference's own time on that call.

A fixed limit per call (``call_timeout_s``, 10 s by default) is far too
generous for most calls (the reference answers in microseconds) and is what
an infinite loop costs. So a batch first grades the reference solution in
the sandbox, exactly as it grades a student (same machine, same process
kind, same channel), and records how long each call took: the *n*-th call
of function ``f`` in test ``t``. A student's call then gets

    limit = min(cap, max(FLOOR_S, MULTIPLE x the reference's time on that call))

where ``cap`` is what the call was allowed before (``call_timeout_s``, or
the test's own budget given with ``student.with_timeout``). A call the
reference never made (a test that went another way after a wrong answer)
falls back to the reference's slowest call of ``f`` in that test, then of
``f`` anywhere, then to ``cap``.

Why these numbers: a correct implementation written with Python loops
instead of vectorised numpy is commonly 10 to 100 times slower than the
reference on the tests' small inputs, and a machine shared with other
batches may halve any process's speed; ``MULTIPLE`` leaves room for both.
The floor covers what the reference's time does not show: a first call
that imports a library, a garbage collection, a scheduler hiccup on a busy
machine. A function that runs past its limit is not called again in the
same submission (``session.MAX_TIMEOUTS_PER_FUNCTION``), so an infinite
loop costs about one limit, not one per test.

The measurement runs once per grading process, assignment, device and set
of parts (:func:`for_run`), before the first submission; ``check``,
``api.grade_file`` and Gradescope (one submission per container, where it
would double the time) do not measure and keep the fixed limits.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

MULTIPLE = 100.0
FLOOR_S = 1.0

Key = tuple[str, str, int]  # (test id, function, which call of that function in the test: 0, 1, ...)


@dataclass
class CallTimes:
    """Wall seconds of each call of one grading run, as the grader saw it (channel included)."""

    seconds: dict[Key, float] = field(default_factory=dict)

    def add(self, key: Key, seconds: float) -> None:
        self.seconds[key] = max(seconds, self.seconds.get(key, 0.0))


class CallLimits:
    """Limits derived from the reference's :class:`CallTimes` (see the module's docstring)."""

    def __init__(self, reference: CallTimes, multiple: float = MULTIPLE, floor_s: float = FLOOR_S):
        self.multiple, self.floor_s = multiple, floor_s
        self.exact = dict(reference.seconds)
        self.in_test: dict[tuple[str, str], float] = {}
        self.anywhere: dict[str, float] = {}
        for (test, name, _), seconds in reference.seconds.items():
            self.in_test[test, name] = max(seconds, self.in_test.get((test, name), 0.0))
            self.anywhere[name] = max(seconds, self.anywhere.get(name, 0.0))

    def limit(self, key: Key, cap: float) -> float:
        """The call's limit in seconds; never above ``cap``."""
        test, name, _ = key
        seconds = self.exact.get(key)
        if seconds is None:
            seconds = self.in_test.get((test, name), self.anywhere.get(name))
        if seconds is None:
            return cap
        return min(cap, max(self.floor_s, self.multiple * seconds))

    def __len__(self) -> int:
        return len(self.exact)


_lock = threading.Lock()
_measured: dict[tuple, CallLimits] = {}


def for_run(assignment, device: str, parts: tuple[str, ...], measure) -> CallLimits:
    """The limits for grading ``parts`` of ``assignment`` on ``device`` in this process; ``measure()``
    grades the reference and returns its :class:`CallTimes` the first time (other threads wait for it)."""
    key = (str(assignment.root), device, tuple(parts))
    with _lock:
        if key not in _measured:
            _measured[key] = CallLimits(measure())
        return _measured[key]
