"""Warm boxes, the grader's side: a student process forked in milliseconds instead of started cold.

A cold student process costs a bubblewrap box, an interpreter and
``import numpy`` (about 150 ms here; 2.5 s more for torch). A warm box is
one such box per slot, started once, whose Python has the libraries
imported and then forks one *job* (a child, ``child.py``) per student
process; ``warm_parent.py`` is the program in the box, this module drives it
and hands each job to a session. Every isolation promise still holds per job:

- the job is a new process (forked from a parent that never ran student
  code, holds no test, no answer and no other student's data) and applies
  its rlimits after the fork; seccomp is inherited and cannot be removed;
- between two jobs the parent kills every other process of its PID
  namespace (daemons and double forks included) and empties ``/tmp`` and
  ``/dev/shm``, the only writable places of the box;
- the parent is non-dumpable, so a job (same uid) cannot read or write its
  memory; a job that kills or stops it only breaks the box, which is thrown
  away and started again (the job's own grading pays, nobody else's);
- the box's cgroup bounds the job's memory, tasks and CPU as a cold box's
  does (the parent's own pages count once), and an OOM kill is reported per
  job.

The channel of each job goes through three FIFOs that the grader makes in a
folder bound read-only into the box, unlinked as soon as both sides hold
them. Warm boxes need bubblewrap (its PID namespace confines the kill-all)
and are not used for CUDA (never fork a process that will use a GPU
context); elsewhere, and with ``AUTOGRADER_WARM=0``, processes start cold.

:func:`prestart` launches a box without waiting for it, so that its
interpreter boots (and imports numpy) while the grader goes on; the first
:func:`acquire` for its settings finishes the handshake. ``check`` does this
before its own heavy imports. This module imports ``channel`` and ``codec``
(and so numpy) only once a box is booted or spoken to, so that a box can be
launched first.
"""

from __future__ import annotations

import atexit
import errno
import os
import shutil
import subprocess
import threading
import time

from autograder.sandbox import launcher, protocol

from autograder.sandbox.limits import Limits

WARM_ENV = "AUTOGRADER_WARM"
# Warm boxes kept for later submissions, over all assignments and slots: a
# batch keeps one per slot (--jobs defaults to the usable cores).
MAX_IDLE = max(4, 2 * len(os.sched_getaffinity(0)))


class BoxBroken(RuntimeError):
    """The warm parent stopped answering: the box is discarded."""


def enabled(limits: Limits) -> bool:
    return os.environ.get(WARM_ENV, "1") != "0" and not limits.cuda and launcher.mode() != "plain"


class JobProcess:
    """What the session needs of a student process, for a forked job.

    Its pid is the box's, meaningless on the host: there is no ``pid``
    attribute, so that nothing signals a host process by mistake.
    """

    def __init__(self, box: "WarmBox", box_pid: int):
        self.box = box
        self.box_pid = box_pid
        self.returncode: int | None = None
        self._oom_before = box.oom_count()
        self._lock = threading.Lock()  # the output reader may kill while the session waits

    def poll(self) -> int | None:
        return self._wait(0)

    def wait(self, timeout: float | None = None) -> int:
        code = self._wait(10.0 if timeout is None else timeout)
        if code is None:
            raise subprocess.TimeoutExpired("job", timeout)
        return code

    def _wait(self, timeout: float) -> int | None:
        with self._lock:
            if self.returncode is None:
                self.returncode = self.box.wait(timeout)
            return self.returncode

    def kill(self) -> None:
        """The job and every process it started; the box is clean afterwards."""
        with self._lock:
            code = self.box.reset()
            if self.returncode is None:
                self.returncode = code if code is not None else -9

    def oom_killed(self) -> bool:
        return self.box.oom_count() > self._oom_before

    def release(self) -> None:
        """Nothing to free: ``kill`` left the box clean for the next job."""


class WarmBox:
    """One sandboxed warm parent with the libraries in ``preload`` imported."""

    def __init__(self, limits: Limits, slot: int, preload: tuple[str, ...], timeout_s: float, boot: bool = True):
        """Launch the box; with ``boot``, also wait until its parent is ready (else :meth:`boot` does)."""
        self.dir = launcher.private_dir("jobs")
        os.chmod(self.dir, 0o755)
        self.broken = self._closed = False
        self._lock = threading.Lock()
        self._count = 0
        req_r, req_w = os.pipe()
        rep_r, rep_w = os.pipe()
        out_r, out_w = os.pipe()
        self.plan = launcher.build(limits, (req_r, rep_w), slot, zygote_dir=self.dir, preload=tuple(preload))
        self.mechanisms = self.plan.mechanisms + ["warm-parent(fork per job)"]
        self.owner = (self.plan.job_limits or {}).get("uid")  # the uid each job drops to, if any
        try:
            self.proc = subprocess.Popen(self.plan.argv, stdin=subprocess.DEVNULL, stdout=out_w, stderr=out_w,
                                         env=self.plan.env, cwd=self.plan.cwd, pass_fds=self.plan.pass_fds,
                                         start_new_session=True, close_fds=True)
        finally:
            for fd in (req_r, rep_w, out_w):
                os.close(fd)
        self._fds = [req_w, rep_r]
        self.printed = bytearray()
        threading.Thread(target=self._drain, args=(out_r,), daemon=True).start()
        self.control = None
        self._timeout_s = timeout_s
        if boot:
            self.boot()

    def boot(self) -> None:
        """Wait until the launched parent has imported its libraries and says it is ready (once); BoxBroken
        (the box closed) when it does not."""
        if self.control is not None:
            return
        from autograder.sandbox import channel  # here: it imports numpy, which check starts the box before
        self.control = channel.Channel(self._fds[1], self._fds[0])
        try:
            self._ask(None, self._timeout_s)
        except BoxBroken:
            self.close()
            raise

    def _drain(self, fd: int) -> None:
        """The parent prints nothing but its own failures: kept, bounded, for the error message."""
        try:
            while chunk := os.read(fd, 65536):
                self.printed = (self.printed + chunk)[-4096:]
        finally:
            os.close(fd)

    def _ask(self, message: dict | None, timeout_s: float) -> dict:
        """Send ``message`` (None: nothing) and return the parent's next message."""
        from autograder.sandbox import codec
        with self._lock:
            if self.broken:
                raise BoxBroken("the warm parent is gone")
            try:
                if message is not None:
                    self.control.send(message)
                return self.control.recv(time.monotonic() + timeout_s)
            except (codec.ProtocolError, codec.ChannelTimeout, OSError) as exc:
                self.broken = True
                raise BoxBroken(f"the warm parent stopped answering ({type(exc).__name__}): "
                                f"{self.printed.decode(errors='replace')[-500:]}") from None

    def oom_count(self) -> int:
        return self.plan.groups.oom_count() if self.plan.groups is not None else 0

    def start_job(self, timeout_s: float = 10.0):
        """Fork a job; returns (JobProcess, request fd to write, reply fd to read, output fd to read)."""
        self._count += 1
        base = os.path.join(self.dir, f"job{self._count}")
        paths = {kind: f"{base}.{kind}" for kind in ("req", "rep", "out")}
        fds: list[int] = []
        try:
            for path in paths.values():
                os.mkfifo(path, 0o600)
                if self.owner is not None:
                    os.chown(path, self.owner, self.owner)
            # The job opens rep, out, then req (warm_parent._run_child). Read ends
            # first, non-blocking, so neither side waits on the other.
            rep = os.open(paths["rep"], os.O_RDONLY | os.O_NONBLOCK)
            fds.append(rep)
            out = os.open(paths["out"], os.O_RDONLY | os.O_NONBLOCK)
            fds.append(out)
            answer = self._ask(protocol.fork(os.path.basename(base), self.plan.job_limits or {}), timeout_s)
            job = JobProcess(self, int(answer["pid"]))
            req = self._open_writer(paths["req"], job, time.monotonic() + timeout_s)
            fds.append(req)
            for fd in fds:
                os.set_blocking(fd, True)
            return job, req, rep, out
        except BaseException:
            for fd in fds:
                os.close(fd)
            raise
        finally:
            for path in paths.values():  # both sides hold them now: nobody else can open them
                try:
                    os.unlink(path)
                except FileNotFoundError:
                    pass

    def _open_writer(self, path: str, job: JobProcess, deadline: float) -> int:
        while True:
            try:
                return os.open(path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as exc:
                if exc.errno != errno.ENXIO:  # ENXIO: the job has not opened its end yet
                    raise
            if time.monotonic() > deadline or job.poll() is not None:
                job.kill()
                raise BoxBroken("the forked student process did not open its channel")
            time.sleep(0.0005)

    def wait(self, timeout: float) -> int | None:
        try:
            return self._ask(protocol.wait(timeout), timeout + 5)["code"]
        except BoxBroken:
            self.close()
            return -9  # the whole box was killed, the job with it

    def reset(self) -> int | None:
        try:
            return self._ask(protocol.reset(), 15)["code"]
        except BoxBroken:
            self.close()
            return -9

    def close(self) -> None:
        """Kill the whole box: the parent, any job, everything they started."""
        if self._closed:
            return
        self._closed = self.broken = True
        if self.plan.groups is not None:
            self.plan.groups.kill()
        try:
            os.killpg(self.proc.pid, 9)
        except (ProcessLookupError, PermissionError, AttributeError):
            pass
        try:
            self.proc.wait(timeout=10)
        except (subprocess.TimeoutExpired, AttributeError):
            pass
        if self.plan.groups is not None:
            self.plan.groups.remove()
        self.close_pipes()
        shutil.rmtree(self.dir, ignore_errors=True)

    def close_pipes(self) -> None:
        """This process's ends of the pipes to the box's parent (its other ends and the box are left alone)."""
        for fd in self._fds:
            try:
                os.close(fd)
            except OSError:
                pass
        self._fds = []


_idle: list[tuple[tuple, WarmBox]] = []
_idle_lock = threading.Lock()


def _forget_in_child() -> None:
    """In a forked process (a course's own multiprocessing script calling the api): its parent's idle boxes
    are not its own to use, nor to close at its exit (closing kills them). It forgets them, closing only its
    copies of their pipes, and starts boxes of its own."""
    global _idle_lock
    _idle_lock = threading.Lock()  # another thread may have held it at the fork
    for _, box in _idle:
        box.close_pipes()
    _idle.clear()


os.register_at_fork(after_in_child=_forget_in_child)


def _key(limits: Limits, slot: int, preload: tuple[str, ...]) -> tuple:
    # The layers in force are part of the key: the ablation changes them between batches.
    return limits, slot, preload, launcher.mode(), tuple(sorted(launcher.disabled_layers()))


def acquire(limits: Limits, slot: int, preload: tuple[str, ...], timeout_s: float) -> WarmBox:
    """An idle warm box for these limits and this slot, or a new one (a box serves one session at a time)."""
    key = _key(limits, slot, preload)
    with _idle_lock:
        for i, (k, box) in enumerate(_idle):
            if k == key:
                del _idle[i]
                break
        else:
            box = None
    if box is not None:
        box.boot()  # a box from prestart() may still be booting: wait for it here
        return box
    box = WarmBox(limits, slot, preload, timeout_s)
    box.key = key
    return box


def prestart(limits: Limits, slot: int, preload: tuple[str, ...], timeout_s: float) -> None:
    """Launch a box for these settings without waiting for it, unless one is idle already, so that it boots
    while this process does other work; the next :func:`acquire` for the same settings takes it. Quietly
    nothing where warm boxes are not used or the launch fails (``acquire`` then starts one as usual)."""
    if not enabled(limits):
        return
    key = _key(limits, slot, preload)
    with _idle_lock:
        if any(k == key for k, _ in _idle):
            return
    try:
        box = WarmBox(limits, slot, preload, timeout_s, boot=False)
    except (BoxBroken, OSError):
        return
    box.key = key
    release(box)


def release(box: WarmBox) -> None:
    if box.broken:
        box.close()
        return
    with _idle_lock:
        _idle.append((box.key, box))
        surplus = _idle[:-MAX_IDLE] if len(_idle) > MAX_IDLE else []
        del _idle[:len(surplus)]
    for _, old in surplus:
        old.close()


@atexit.register
def shutdown() -> None:
    """Close every idle box (the end of a batch, or of the grader)."""
    with _idle_lock:
        boxes = [box for _, box in _idle]
        _idle.clear()
    for box in boxes:
        box.close()
