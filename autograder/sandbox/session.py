"""The grader's side of one student's process.

A :class:`StudentSession` starts the worker, loads the student's code and
turns every call into a message. It owns the clocks: each call has a wall
time limit, the process has an output cap, and when a call times out or the
process dies, the process is killed and the next call starts a fresh one, so
a hang costs the test it happened in and nothing else.

Tests see the student through :class:`Student`: ``student.relu_grad(z)``
returns plain values, and arguments the student's code changed in place are
changed in the caller's objects too, as a direct call would.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from autograder.sandbox import codec, launcher, zygote


# A function that hung or crashed its process this often is not called
# again: an infinite loop or an os._exit then costs a bounded time however
# many tests call it.
MAX_TIMEOUTS_PER_FUNCTION = 2
MAX_CRASHES_PER_FUNCTION = 2


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


@dataclass
class LoadReport:
    ok: bool
    notes: list[str] = field(default_factory=list)
    functions: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SessionConfig:
    source: str
    filename: str
    module: str
    allowed_imports: tuple[str, ...] = ()
    course_rule: str = ""
    limits: launcher.Limits = launcher.Limits()
    call_timeout_s: float = 10.0
    load_timeout_s: float = 30.0
    statement_timeout_s: float = 2.0
    max_restarts: int = 10
    seed: int = 0
    slot: int = 0
    preload: tuple[str, ...] = ("numpy",)  # imported by a warm parent before it forks (sandbox/zygote.py)


class StudentSession:
    def __init__(self, config: SessionConfig):
        self.config = config
        self.proc: ColdProcess | zygote.JobProcess | None = None
        self.channel: codec.Channel | None = None
        self.report: LoadReport | None = None
        self.mechanisms: list[str] = []
        self.output = bytearray()
        self.output_overflow = False
        self.restarts = 0
        self.last_warnings: list[str] = []
        self.timeouts: dict[str, int] = {}
        self.crashes: dict[str, int] = {}
        self._stalled: set[int] = set()
        self._reader: threading.Thread | None = None
        self._fds: list[int] = []
        self._box: zygote.WarmBox | None = None

    # -- process lifecycle -------------------------------------------------
    def start(self) -> LoadReport:
        """Start a process and load the code; returns the first load's report."""
        while True:
            report, stalled_at = self._spawn_and_load()
            if stalled_at is None or stalled_at in self._stalled:
                break
            # A top-level statement hung so badly that the worker's own alarm
            # could not stop it: skip it and load again.
            self._stalled.add(stalled_at)
        if self.report is None:
            self.report = report
        return report

    def _spawn_and_load(self) -> tuple[LoadReport, int | None]:
        self.kill()
        if self._box is None and zygote.enabled(self.config.limits):
            try:
                self._box = zygote.acquire(self.config.limits, self.config.slot, self.config.preload,
                                           self.config.load_timeout_s)
            except (zygote.BoxBroken, OSError):
                self._box = None  # started cold instead
        if self._box is not None:
            try:
                self.proc, req_w, rep_r, out_r = self._box.start_job()
                self.mechanisms = self._box.mechanisms
            except (zygote.BoxBroken, OSError):
                self._box.broken = True
                zygote.release(self._box)  # closes it
                self._box = None
        if self._box is None:
            req_w, rep_r, out_r = self._spawn_cold()
        self._fds = [req_w, rep_r]
        self.channel = codec.Channel(rep_r, req_w)
        self._reader = threading.Thread(target=self._drain_output, args=(out_r, self.proc), daemon=True)
        self._reader.start()
        cfg = self.config
        current = None
        heard = False
        deadline = time.monotonic() + cfg.load_timeout_s
        try:
            self.channel.send({"op": "load", "source": cfg.source, "filename": cfg.filename, "module": cfg.module,
                               "allowed_imports": list(cfg.allowed_imports), "course_rule": cfg.course_rule,
                               "statement_timeout_s": cfg.statement_timeout_s, "skip": sorted(self._stalled),
                               "seed": cfg.seed})
            while True:
                msg = self.channel.recv(deadline)
                heard = True
                if msg.get("op") == "progress":
                    current = msg.get("stmt")
                    continue
                if msg.get("op") != "loaded":
                    raise codec.ProtocolError("unexpected message while loading")
                # A reload after a crash skips what already ran out of time once.
                slow = msg.get("timed_out") if isinstance(msg.get("timed_out"), list) else []
                self._stalled.update(i for i in slow if type(i) is int)
                return LoadReport(bool(msg.get("ok")), [str(n) for n in msg.get("notes", [])][:50],
                                  [str(f) for f in msg.get("functions", [])]), None
        except codec.ChannelTimeout:
            self.kill()
            return LoadReport(False, ["loading your code took too long"]), current
        except (codec.ProtocolError, OSError) as exc:
            why = self._death_reason()
            self.kill()
            if not heard:  # the worker never started: the sandbox, not the student
                raise SandboxError(f"the sandbox could not start ({why}): {self.printed(500).strip()}") from None
            if current is not None and why:
                return LoadReport(False, [f"loading stopped: {why}"]), current
            return LoadReport(False, [f"your code could not be loaded: {why or exc}"]), None

    def _spawn_cold(self) -> tuple[int, int, int]:
        """A new box and interpreter for this process; returns (request w, reply r, output r)."""
        req_r, req_w = os.pipe()
        rep_r, rep_w = os.pipe()
        out_r, out_w = os.pipe()
        plan = launcher.build(self.config.limits, (req_r, rep_w), self.config.slot)
        self.mechanisms = plan.mechanisms
        try:
            self.proc = ColdProcess(plan, subprocess.Popen(
                plan.argv, stdin=subprocess.DEVNULL, stdout=out_w, stderr=out_w, env=plan.env,
                cwd=plan.cwd, pass_fds=plan.pass_fds, start_new_session=True, close_fds=True))
        finally:
            for fd in (req_r, rep_w, out_w):
                os.close(fd)
        return req_w, rep_r, out_r

    def _drain_output(self, fd: int, proc: "ColdProcess | zygote.JobProcess") -> None:
        cap = self.config.limits.output_bytes
        try:
            while True:
                chunk = os.read(fd, 65536)
                if not chunk:
                    return
                if proc is not self.proc:
                    continue
                room = cap - len(self.output)
                if room > 0:
                    self.output += chunk[:room]
                if len(chunk) > room and not self.output_overflow:
                    self.output_overflow = True
                    proc.kill()
        finally:
            os.close(fd)

    def kill(self) -> None:
        proc = self.proc
        if proc is None:
            return
        proc.kill()  # every process of the run, daemons and double forks too
        proc.release()
        if self._reader is not None:
            self._reader.join(timeout=2)  # collect what it printed before dying
        codec.close_fds(self._fds)
        self._fds = []
        self.channel = None
        self.proc = None

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None and self.channel is not None:
            try:
                self.channel.send({"op": "exit"})
                self.proc.wait(timeout=2)
            except (codec.ProtocolError, subprocess.TimeoutExpired, OSError):
                pass
        self.kill()
        if self._box is not None:
            zygote.release(self._box)  # clean (kill() reset it), ready for the next student
            self._box = None

    def _death_reason(self) -> str:
        proc = self.proc
        if proc is None:
            return ""
        try:
            code = proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return ""
        if self.output_overflow:
            return f"your code printed more than {self.config.limits.output_bytes // 1024} KiB of output"
        if code == -signal.SIGXCPU:
            return f"your code used more than {self.config.limits.cpu_s} s of CPU time"
        if proc.oom_killed():
            return f"your code ran out of memory (the limit is {self.config.limits.memory_bytes // 1024**2} MiB)"
        if code == -signal.SIGKILL:
            return "the process running your code was killed (it ran out of CPU time or memory)"
        if code < 0:
            name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
            return f"the process running your code was killed by {name}"
        return f"the process running your code exited with status {code} (did your code call exit()?)"

    # -- calls ---------------------------------------------------------------
    def call(self, name: str, args: tuple, kwargs: dict, timeout: float | None = None):
        """Call ``name`` in the student's process; returns the decoded result."""
        if self.timeouts.get(name, 0) >= MAX_TIMEOUTS_PER_FUNCTION:
            raise StudentTimeout(f"not run: {name}() already timed out {MAX_TIMEOUTS_PER_FUNCTION} times "
                                 "in earlier tests")
        if self.crashes.get(name, 0) >= MAX_CRASHES_PER_FUNCTION:
            raise StudentCrashed(f"not run: {name}() already crashed the process running your code "
                                 f"{MAX_CRASHES_PER_FUNCTION} times in earlier tests")
        if self.channel is None:
            if self.restarts >= self.config.max_restarts:
                raise StudentCrashed("not run: your code crashed or hung too many times in earlier tests")
            self.restarts += 1
            if not self._spawn_and_load()[0].ok:
                raise StudentCrashed("your code could not be loaded again after an earlier crash")
        callbacks: dict[int, object] = {}
        self.last_warnings = []

        def as_callback(obj):
            if callable(obj):
                callbacks[len(callbacks) + 1] = obj
                return {"$c": len(callbacks)}
            raise codec.ProtocolError(f"cannot pass a {type(obj).__name__} to the student's code")

        deadline = time.monotonic() + (timeout or self.config.call_timeout_s)
        try:
            self.channel.send({"op": "call", "name": name, "args": list(args), "kwargs": dict(kwargs)},
                              unencodable=as_callback)
            while True:
                msg = self.channel.recv(deadline)
                op = msg.get("op")
                if op == "callback":
                    self._answer_callback(callbacks, msg)
                elif op == "result":
                    found = msg.get("warnings")
                    self.last_warnings = [str(w) for w in found][:5] if isinstance(found, list) else []
                    kept = msg.get("kept") if isinstance(msg.get("kept"), dict) else {}
                    _mirror_changes(args, msg.get("args"), kwargs, msg.get("kwargs"), kept)
                    return msg.get("value")
                elif op == "error":
                    self._raise_error(name, msg)
                else:
                    raise codec.ProtocolError("unexpected message")
        except codec.ChannelTimeout:
            self.kill()
            self.timeouts[name] = self.timeouts.get(name, 0) + 1
            raise StudentTimeout(f"{name}() did not finish within {timeout or self.config.call_timeout_s:g} s "
                                 "(an infinite loop, or far too slow)") from None
        except codec.ProtocolError as exc:
            why = self._death_reason() if isinstance(exc, codec.ChannelClosed) else ""
            self.kill()
            self.crashes[name] = self.crashes.get(name, 0) + 1
            if why:
                raise StudentCrashed(f"{name}() crashed: {why}") from None
            raise BadValue(f"{name}() returned something the grader cannot read: {exc}") from None

    def torch_info(self, target) -> dict:
        """Facts about a torch module handle (devices of its parameters, mode, module types)."""
        if self.channel is None:
            raise StudentCrashed("the student's process is not running")
        try:
            self.channel.send({"op": "torch_info", "target": target})
            msg = self.channel.recv(time.monotonic() + self.config.call_timeout_s)
        except (codec.ChannelTimeout, codec.ProtocolError) as exc:
            self.kill()
            raise StudentCrashed(f"could not inspect your model ({type(exc).__name__})") from None
        value = msg.get("value")
        return value if isinstance(value, dict) else {"is_module": False}

    def _answer_callback(self, callbacks: dict, msg: dict) -> None:
        func = callbacks.get(msg.get("id"))
        args = msg.get("args") if isinstance(msg.get("args"), list) else []
        kwargs = msg.get("kwargs") if isinstance(msg.get("kwargs"), dict) else {}
        try:
            value = func(*args, **kwargs)
        except Exception as exc:  # the grader's function refused the student's input
            self.channel.send({"op": "callback_error", "message": f"{type(exc).__name__}: {exc}"[:300]})
            return
        self.channel.send({"op": "callback_result", "value": value})

    @staticmethod
    def _raise_error(name: str, msg: dict):
        message = str(msg.get("message", ""))[:3000]
        if msg.get("kind") == "missing":
            raise MissingFunction(message)
        if msg.get("kind") == "setup":
            raise SandboxError(f"the grader could not prepare the call to {name}(): {message}")
        type_name = str(msg.get("type", "Exception"))
        mro = [str(m) for m in msg.get("mro", [type_name])] if isinstance(msg.get("mro"), list) else [type_name]
        hint = " (your code ran out of memory)" if type_name == "MemoryError" else ""
        raise StudentRaised(f"{name}() raised {message}{hint}", type_name, mro)

    def printed(self, limit: int = 2000) -> str:
        text = self.output.decode("utf-8", errors="replace")
        return text if len(text) <= limit else text[:limit] + "\n[... output truncated ...]"


class ColdProcess:
    """A student process started on its own (``launcher.build``): its Popen, cgroups and private folder.

    The same few methods as ``zygote.JobProcess``, its warm counterpart, so
    that the session never asks which kind it holds.
    """

    def __init__(self, plan: launcher.Launch, popen: subprocess.Popen):
        self.plan = plan
        self.popen = popen
        # bubblewrap's init reports a child killed by signal N as 128 + N
        self._boxed = any(m.startswith("bubblewrap") for m in plan.mechanisms)

    def poll(self) -> int | None:
        return None if self.popen.poll() is None else self._code()

    def wait(self, timeout: float | None = None) -> int:
        self.popen.wait(timeout)
        return self._code()

    def _code(self) -> int:
        code = self.popen.returncode
        return 128 - code if self._boxed and code > 128 else code

    def kill(self) -> None:
        if self.plan.groups is not None:
            self.plan.groups.kill()
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            try:
                self.popen.kill()
            except ProcessLookupError:
                pass
        try:
            self.popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass

    def oom_killed(self) -> bool:
        return self.plan.groups is not None and self.plan.groups.oom_killed()

    def release(self) -> None:
        """After ``kill``: its cgroups and private folder go."""
        if self.plan.groups is not None:
            self.plan.groups.remove()
            self.plan.groups = None
        if self.plan.cleanup_dir:
            shutil.rmtree(self.plan.cleanup_dir, ignore_errors=True)
            self.plan.cleanup_dir = None


def _mirror_changes(args: tuple, new_args, kwargs: dict, new_kwargs, kept: dict) -> None:
    """Copy the student's in-place changes of arguments back into the caller's objects.

    ``kept[position or name]`` lists the entries of a dict argument that
    still hold the object the student received; only those are updated in
    place, the others are rebound to what the student put there.
    """
    if isinstance(new_args, list) and len(new_args) == len(args):
        for i, (old, new) in enumerate(zip(args, new_args)):
            _mirror(old, new, kept.get(str(i)))
    if isinstance(new_kwargs, dict):
        for key, old in kwargs.items():
            if key in new_kwargs:
                _mirror(old, new_kwargs[key], kept.get(key))


def _mirror(old, new, kept=None) -> None:
    if isinstance(old, np.ndarray) and isinstance(new, np.ndarray) and old.shape == new.shape:
        if old.flags.writeable:
            np.copyto(old, new, casting="unsafe")
    elif type(old) is dict and isinstance(new, dict):
        same = set(kept) if isinstance(kept, list) else set()
        for key in list(old):
            if key not in new:
                del old[key]
        for key, value in new.items():
            if key in old and key in same and isinstance(old[key], (np.ndarray, dict, list)) and \
                    type(old[key]) is type(value) and np.shape(old[key]) == np.shape(value):
                _mirror(old[key], value)
            else:
                old[key] = value
    elif type(old) is list and isinstance(new, list):
        old[:] = new
    elif isinstance(old, np.random.Generator) and isinstance(new, np.random.Generator):
        if type(old.bit_generator) is type(new.bit_generator):
            old.bit_generator.state = new.bit_generator.state  # the student's draws advance it
            old_seq, new_seq = old.bit_generator.seed_seq, new.bit_generator.seed_seq
            if isinstance(old_seq, np.random.SeedSequence) and isinstance(new_seq, np.random.SeedSequence):
                old_seq.spawn(max(0, new_seq.n_children_spawned - old_seq.n_children_spawned))


class Student:
    """What a test receives as ``student``: the student's functions, by name."""

    def __init__(self, session: StudentSession, timeout: float | None = None):
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
        """Facts about a model the student built: see worker.torch_info."""
        return self._session.torch_info(model)

    def warnings(self) -> list[str]:
        """numpy warnings (overflow, invalid value, ...) raised during the last call."""
        return list(self._session.last_warnings)

    def defines(self, name: str) -> bool:
        report = self._session.report
        return bool(report and name in report.functions)
