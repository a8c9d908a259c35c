"""The grader's side of one student's process: its lifecycle and its calls.

A :class:`StudentSession` starts the child (cold, or forked from a warm box),
loads the student's code and turns every call into a request
(``protocol.py``). It owns the clocks: each call has a wall time limit, the
process has an output cap, and when a call times out or the process dies,
the process is killed and the next call starts a fresh one, so a hang costs
the test it happened in and nothing else.

Tests reach it through :class:`~autograder.sandbox.student.Student`; what
can go wrong is in ``faults.py``, the copying back of changed arguments in
``mirror.py``, and the bookkeeping of objects left in the child in
``handles.py``.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field

from autograder.budgets import DEFAULT
from autograder.calls import CallLimits, CallTimes
from autograder.sandbox import channel, codec, faults, launcher, protocol, zygote
from autograder.sandbox.limits import Limits
from autograder.sandbox.handles import HandleTable
from autograder.sandbox.mirror import mirror_changes

# A function that hung or crashed its process this often is not called
# again: an infinite loop or an os._exit then costs a bounded time however
# many tests call it. One timeout is enough: each call's limit is already a
# generous multiple of the reference's time on it (autograder/calls.py).
MAX_TIMEOUTS_PER_FUNCTION = 1
MAX_CRASHES_PER_FUNCTION = 2


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
    limits: Limits = Limits()
    call_timeout_s: float = DEFAULT.call_timeout_s
    load_timeout_s: float = DEFAULT.load_timeout_s
    statement_timeout_s: float = DEFAULT.statement_timeout_s
    max_restarts: int = 10
    seed: int = 0
    slot: int = 0
    preload: tuple[str, ...] = ("numpy",)  # imported by a warm parent before it forks (sandbox/zygote.py)
    call_limits: CallLimits | None = None  # per call, from the reference's times; None: call_timeout_s for all


class StudentSession:
    def __init__(self, config: SessionConfig):
        self.config = config
        self.proc: ColdProcess | zygote.JobProcess | None = None
        self.channel: channel.Channel | None = None
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
        self.handles = HandleTable()  # of the current process: a new one with each process
        self.test = ""  # the test now running (begin_test): part of each call's key in call_times
        self._calls_in_test: dict[str, int] = {}
        self.call_times = CallTimes()  # how long each call took, for calls.CallLimits when this is the reference

    # -- process lifecycle -------------------------------------------------
    def start(self) -> LoadReport:
        """Start a process and load the code; returns the first load's report."""
        while True:
            report, stalled_at = self._spawn_and_load()
            if stalled_at is None or stalled_at in self._stalled:
                break
            # A top-level statement hung so badly that the child's own alarm
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
        self.channel = channel.Channel(rep_r, req_w)
        self.handles = HandleTable()
        self._reader = threading.Thread(target=self._drain_output, args=(out_r, self.proc), daemon=True)
        self._reader.start()
        cfg = self.config
        current = None
        heard = False
        deadline = time.monotonic() + cfg.load_timeout_s
        try:
            self.channel.send(protocol.load(
                source=cfg.source, filename=cfg.filename, module=cfg.module,
                allowed_imports=list(cfg.allowed_imports), course_rule=cfg.course_rule,
                statement_timeout_s=cfg.statement_timeout_s, skip=sorted(self._stalled), seed=cfg.seed))
            while True:
                msg = self.channel.recv(deadline)
                heard = True
                if protocol.op(msg) == protocol.PROGRESS:
                    current = protocol.read_progress(msg)
                    continue
                if protocol.op(msg) != protocol.LOADED:
                    raise codec.ProtocolError("unexpected message while loading")
                loaded = protocol.read_loaded(msg)
                self._stalled.update(loaded.timed_out)  # a reload after a crash skips what ran out of time once
                return LoadReport(loaded.ok, loaded.notes, loaded.functions), None
        except codec.ChannelTimeout:
            self.kill()
            return LoadReport(False, [faults.LOAD_TOO_SLOW]), current
        except (codec.ProtocolError, OSError) as exc:
            why = self._death_reason()
            self.kill()
            if not heard:  # the child never started: the sandbox, not the student
                raise faults.could_not_start(why, self.printed(500).strip()) from None
            if current is not None and why:
                return LoadReport(False, [faults.load_stopped(why)]), current
            return LoadReport(False, [faults.load_failed(why or exc)]), None

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
        channel.close_fds(self._fds)
        self._fds = []
        self.channel = None
        self.proc = None

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None and self.channel is not None:
            try:
                self.channel.send(protocol.exit_())
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
        return faults.death_reason(code, printed_too_much=self.output_overflow, oom_killed=proc.oom_killed(),
                                   limits=self.config.limits)

    # -- calls ---------------------------------------------------------------
    def begin_test(self, test_id: str) -> None:
        """The calls from now on belong to test ``test_id`` (their keys in ``call_times`` and limits)."""
        self.test = test_id
        self._calls_in_test = {}

    def limit(self, name: str, cap: float) -> tuple[tuple[str, str, int], float]:
        """This call's key (test, function, which call of it in the test) and its time limit."""
        index = self._calls_in_test.get(name, 0)
        self._calls_in_test[name] = index + 1
        key = (self.test, name, index)
        limits = self.config.call_limits
        return key, (cap if limits is None else limits.limit(key, cap))

    def call(self, name: str, args: tuple, kwargs: dict, timeout: float | None = None, probe: str | None = None):
        """Call ``name`` in the student's process; returns the decoded result.

        ``probe``: call the grader's probe of that name instead (``probes.py``); ``name`` then only
        labels the call in messages and in the counts of timeouts and crashes.
        """
        if self.timeouts.get(name, 0) >= MAX_TIMEOUTS_PER_FUNCTION:
            raise faults.already_timed_out(name, MAX_TIMEOUTS_PER_FUNCTION)
        if self.crashes.get(name, 0) >= MAX_CRASHES_PER_FUNCTION:
            raise faults.already_crashed(name, MAX_CRASHES_PER_FUNCTION)
        if self.channel is None:
            if self.restarts >= self.config.max_restarts:
                raise faults.too_many_restarts()
            self.restarts += 1
            if not self._spawn_and_load()[0].ok:
                raise faults.reload_failed()
        callbacks: dict[int, object] = {}
        self.last_warnings = []

        def as_callback(obj):
            if callable(obj):
                callbacks[len(callbacks) + 1] = obj
                return codec.callback_ref(len(callbacks))
            raise codec.ProtocolError(f"cannot pass a {type(obj).__name__} to the student's code")

        cap = timeout or self.config.call_timeout_s
        key, seconds = self.limit(name, cap)
        started = time.monotonic()
        deadline = started + seconds
        try:
            self._request(protocol.call(probe or name, list(args), dict(kwargs), probe=probe is not None),
                          unencodable=as_callback)
            while True:
                msg = self.channel.recv(deadline, resolve=self.handles.resolve)
                op = protocol.op(msg)
                if op == protocol.CALLBACK:
                    self._answer_callback(callbacks, protocol.read_callback(msg))
                elif op == protocol.RESULT:
                    self.call_times.add(key, time.monotonic() - started)
                    result = protocol.read_result(msg)
                    self.last_warnings = result.warnings
                    mirror_changes(args, result.args, kwargs, result.kwargs, result.kept)
                    return result.value
                elif op == protocol.ERROR:
                    self.call_times.add(key, time.monotonic() - started)
                    raise faults.from_error(name, *protocol.read_error(msg))
                else:
                    raise codec.ProtocolError("unexpected message")
        except codec.ChannelTimeout:
            self.kill()
            self.timeouts[name] = self.timeouts.get(name, 0) + 1
            raise faults.timed_out(name, seconds, derived=seconds < cap) from None
        except codec.ProtocolError as exc:
            why = self._death_reason() if isinstance(exc, codec.ChannelClosed) else ""
            self.kill()
            self.crashes[name] = self.crashes.get(name, 0) + 1
            if why:
                raise faults.crashed(name, why) from None
            raise faults.unreadable(name, exc) from None

    def torch_info(self, target) -> dict:
        """Facts about a torch module handle (devices of its parameters, mode, module types)."""
        if self.channel is None:
            raise faults.not_running()
        try:
            self._request(protocol.torch_info(target))
            msg = self.channel.recv(time.monotonic() + self.config.call_timeout_s)
        except (codec.ChannelTimeout, codec.ProtocolError) as exc:
            self.kill()
            raise faults.uninspectable(exc) from None
        return protocol.read_info(msg)

    def _request(self, message: dict, unencodable=None) -> None:
        """Send a request to the child, after the handles the tests have let go of since the last one."""
        released = self.handles.take_released()
        if released:
            self.channel.send(protocol.release(released))
        self.channel.send(message, unencodable=unencodable)

    def _answer_callback(self, callbacks: dict, request: protocol.Callback) -> None:
        func = callbacks.get(request.ident) if type(request.ident) is int else None
        try:
            value = func(*request.args, **request.kwargs)
        except Exception as exc:  # the grader's function refused the student's input
            self.channel.send(protocol.callback_error(f"{type(exc).__name__}: {exc}"[:300]))
            return
        self.channel.send(protocol.callback_result(value))

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
