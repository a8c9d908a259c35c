"""What went wrong on the student's side of a call, in the words a student reads.

Tests (``suite.py``, ``checks.py``, instructors' hidden tests) catch these
exceptions and put ``str(exc)`` on the student's feedback; ``session.py``
raises them. The classes and their sentences live together, away from the
process machinery, so that the wording stays one voice and a test can import
the exceptions without the rest of the sandbox.
"""

from __future__ import annotations

import signal

from autograder.calls import FLOOR_S, MULTIPLE
from autograder.sandbox import protocol


class StudentFault(Exception):
    """Something went wrong on the student's side of a call. ``str()`` is for students."""

    status = "failed"


class MissingFunction(StudentFault):
    pass


class StudentRaised(StudentFault):
    def __init__(self, message: str, type_name: str, mro: list[str]):
        super().__init__(message)
        self.type_name = type_name
        self.mro = mro


class StudentTimeout(StudentFault):
    status = "timeout"


class StudentCrashed(StudentFault):
    status = "error"


class BadValue(StudentFault):
    """The student's process sent something the grader could not decode."""


class SandboxError(RuntimeError):
    """The student's process could not be started at all: a grader fault."""


# -- a call ---------------------------------------------------------------------
def already_timed_out(name: str, times: int) -> StudentTimeout:
    earlier = "in an earlier test" if times == 1 else f"{times} times in earlier tests"
    return StudentTimeout(f"not run: {name}() already ran past its time limit {earlier} (after that, the "
                          "grader stops calling it, so that one infinite loop costs one time limit, not one per test)")


def already_crashed(name: str, times: int) -> StudentCrashed:
    return StudentCrashed(f"not run: {name}() already crashed the process running your code "
                          f"{times} times in earlier tests")


def too_many_restarts() -> StudentCrashed:
    return StudentCrashed("not run: your code crashed or hung too many times in earlier tests")


def reload_failed() -> StudentCrashed:
    return StudentCrashed("your code could not be loaded again after an earlier crash")


def timed_out(name: str, seconds: float, derived: bool = False, what: str = "") -> StudentTimeout:
    """``what`` (default ``name()``) ran past its limit of ``seconds``, ``derived`` from the reference's time.
    The exception keeps both, for a caller that words it for a larger task (a loop's steps)."""
    why = (f" ({MULTIPLE:g} times what the reference solution took on this call, and at least {FLOOR_S:g} s)"
           if derived else "")
    exc = StudentTimeout(f"{what or name + '()'} did not finish within {seconds:.3g} s{why}: an infinite loop, or "
                         "far too slow")
    exc.seconds, exc.derived = seconds, derived
    return exc


def crashed(name: str, why: str) -> StudentCrashed:
    return StudentCrashed(f"{name}() crashed: {why}")


def unreadable(name: str, problem: Exception) -> BadValue:
    return BadValue(f"{name}() returned something the grader cannot read: {problem}")


def not_running() -> StudentCrashed:
    return StudentCrashed("the student's process is not running")


def uninspectable(problem: Exception) -> StudentCrashed:
    return StudentCrashed(f"could not inspect your model ({type(problem).__name__})")


def from_error(name: str, kind: str, message: str, type_name: str, mro: list[str]) -> Exception:
    """The exception for the child's answer that ``name()`` failed (``protocol.ERROR``)."""
    if kind == protocol.MISSING:
        return MissingFunction(message)
    if kind == protocol.SETUP:
        return SandboxError(f"the grader could not prepare the call to {name}(): {message}")
    hint = " (your code ran out of memory)" if type_name == "MemoryError" else ""
    return StudentRaised(f"{name}() raised {message}{hint}", type_name, mro)


# -- the process --------------------------------------------------------------------
def death_reason(code: int, *, printed_too_much: bool, oom_killed: bool, limits) -> str:
    """Why the process running the student's code ended (``limits``: its ``limits.Limits``)."""
    if printed_too_much:
        return f"your code printed more than {limits.output_bytes // 1024} KiB of output"
    if code == -signal.SIGXCPU:
        return f"your code used more than {limits.cpu_s} s of CPU time"
    if oom_killed:
        return f"your code ran out of memory (the limit is {limits.memory_bytes // 1024**2} MiB)"
    if code == -signal.SIGKILL:
        return "the process running your code was killed (it ran out of CPU time or memory)"
    if code < 0:
        name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
        return f"the process running your code was killed by {name}"
    return f"the process running your code exited with status {code} (did your code call exit()?)"


def could_not_start(why: str, printed: str) -> SandboxError:
    return SandboxError(f"the sandbox could not start ({why}): {printed}")


# -- loading (notes of the load report, not exceptions) ------------------------------
LOAD_TOO_SLOW = "loading your code took too long"


def load_stopped(why: str) -> str:
    return f"loading stopped: {why}"


def load_failed(why) -> str:
    return f"your code could not be loaded: {why}"
