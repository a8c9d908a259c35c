"""The warm parent: inside a box, fork one fresh child per student process.

Started once per grading slot by ``zygote.py`` (the grader's side of a warm
box), it imports the heavy libraries, then forks a child whenever the grader
asks, so that a student process costs a fork instead of a box, an
interpreter and ``import numpy``. It lives apart from ``child.py`` because
its promises are different: it never sees a student's code, a test or an
answer, never computes with torch (a forked libgomp pool hangs), and after
each child it kills everything else in its PID namespace and empties the
writable folders, so that one student leaves nothing for the next.
"""

from __future__ import annotations

import os
import signal
import sys
import time
import traceback

from autograder.sandbox import channel, confine, protocol
from autograder.sandbox.child import Child, reseed

WRITABLE = ("/tmp", "/dev/shm")


def serve(control: channel.Channel, jobs_dir: str, preload: list[str]) -> None:
    """Import ``preload``, say it is ready, then answer the grader's fork, wait and reset requests until the
    box is killed. The imports start as soon as the box does, unasked: a ``check`` launches its box
    before its own heavy imports (``early.py``), and the two processes import numpy side by side."""
    # Non-dumpable: a child under our uid (as an ordinary user) cannot read or
    # write our memory through /proc/<pid>/mem, nor trace us.
    confine.prctl(confine.PR_SET_DUMPABLE, 0)
    for name in preload:
        try:
            __import__(name)
        except Exception:
            pass  # the child imports it again and reports the error where it belongs
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(max(1, int(os.environ.get("OMP_NUM_THREADS", "1"))))
    # What every job's first reseed would import, imported once here: numpy.random is loaded lazily
    # (numpy 2), 9 ms, and 18 ms in a freshly forked job, whose every first write copies a page.
    reseed(0)
    skeleton = _skeleton()
    control.send(protocol.ready(os.getpid()))
    job, code = None, None
    while True:
        request = control.recv()
        op = protocol.op(request)
        if op == protocol.FORK:
            job, code = os.fork(), None
            if job == 0:
                _run_child(control, jobs_dir, str(request["name"]), request.get("limits", {}))
            control.send(protocol.forked(job))
        elif op == protocol.WAIT:
            if code is None:
                code = _wait(job, float(request.get("timeout", 0)))
            control.send(protocol.status(code))
        elif op == protocol.RESET:
            reaped = _reset(job if code is None else None, skeleton)
            code = code if code is not None else reaped
            job = None
            control.send(protocol.status(code))


def _run_child(control: channel.Channel, jobs_dir: str, name: str, limits: dict) -> None:
    """In the forked process: become a fresh child. Never returns."""
    try:
        os.close(control.read_fd)
        os.close(control.write_fd)
        # Opened in the grader's order (see zygote.WarmBox.start_job).
        reply = os.open(f"{jobs_dir}/{name}.rep", os.O_WRONLY)
        out = os.open(f"{jobs_dir}/{name}.out", os.O_WRONLY)
        request = os.open(f"{jobs_dir}/{name}.req", os.O_RDONLY)
        os.dup2(out, 1)
        os.dup2(out, 2)
        os.close(out)
        confine.prctl(confine.PR_SET_NO_NEW_PRIVS, 1)
        confine.prctl(confine.PR_SET_DUMPABLE, 1)
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write("1000")  # under the box's memory limit, the child dies, never its parent
        uid = limits.pop("uid", None)
        if uid is not None:  # from a root parent: the slot's uid, no groups, no capabilities left
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            confine.prctl(confine.PR_SET_DUMPABLE, 1)  # a uid change clears it
        confine.apply_limits(limits)
        Child(channel.Channel(request, reply)).serve()
        code = 0
    except BaseException:
        traceback.print_exc()
        code = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code)


def _wait(pid: int | None, timeout: float) -> int | None:
    """The child's exit status as subprocess reports it (-N for signal N), or None if it still runs."""
    deadline = time.monotonic() + timeout
    while pid is not None:
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return None
        if done:
            return os.waitstatus_to_exitcode(status)
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.002)
    return None


def _reset(pid: int | None, skeleton: set[str]) -> int | None:
    """Kill every process of the box but us and its init, reap the child, empty the writable folders."""
    me = os.getpid()
    code = None
    deadline = time.monotonic() + 5
    while True:
        try:
            os.kill(-1, signal.SIGKILL)  # all we may signal in this PID namespace, except init and us
        except ProcessLookupError:
            pass
        if pid is not None and code is None:
            code = _wait(pid, 0.05)
        others = [p for p in os.listdir("/proc") if p.isdigit() and int(p) not in (1, me)]
        if not others or time.monotonic() > deadline:
            break
        time.sleep(0.002)
    for top in WRITABLE:
        _empty(top, skeleton, os.lstat(top).st_dev)
    return code


def _skeleton() -> set[str]:
    """What bubblewrap put in the writable folders before any child: the parents
    of a runtime bound under /tmp (a venv made there), kept as they are."""
    kept = set()
    for top in WRITABLE:
        device = os.lstat(top).st_dev
        for folder, dirs, files in os.walk(top):
            kept.update(os.path.join(folder, n) for n in dirs + files)
            dirs[:] = [d for d in dirs if os.lstat(os.path.join(folder, d)).st_dev == device]
    return kept


def _empty(folder: str, skeleton: set[str], device: int) -> None:
    """Remove what children made under ``folder``; keep the skeleton and never enter another mount."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        path = os.path.join(folder, name)
        try:
            info = os.lstat(path)
            if path in skeleton:
                if os.path.isdir(path) and not os.path.islink(path) and info.st_dev == device:
                    _empty(path, skeleton, device)
            elif os.path.isdir(path) and not os.path.islink(path):
                os.chmod(path, 0o700)  # a child may have made it unreadable or unwritable
                _empty(path, set(), device)
                os.rmdir(path)
            else:
                os.unlink(path)
        except OSError:
            pass
