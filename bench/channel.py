"""Benchmark: one call's round trip through the sandbox channel, against the pipe's own floor.

    python3 bench/channel.py [--n 2000] [--rounds 5] [--cold]

In one run, alternating so that the machine's load touches every figure
alike, it measures:

- **bare pipe**: 8 bytes written to a forked echo process and read back
  (``os.write`` + ``os.read`` on both sides): the floor of any round trip
  between two processes here;
- **two copies**: ``y = x.copy(); z = y.copy()`` of the array, in this
  process: the floor of moving an array there and back;
- **minimal framing**: a 16-byte ``struct`` header and a 1-element float64
  array to a forked process that unpacks it, copies the array out
  (``np.frombuffer(...).copy()``) and sends it back the same way: the floor
  of any Python framing that carries an array, with no check of what
  arrives, no time limit and nothing else a call does;
- **codec and child, no sandbox**: ``Channel.send(protocol.call("ident",
  [x]))`` and ``Channel.recv`` against a ``Child`` in a plain forked
  process (no box, no session): what our message format and the child's
  handling of a call cost, without the sandbox and the session's
  bookkeeping (time limits, argument mirroring, per-test keys);
- **ours**: ``StudentSession.call("ident", (x,), {})`` on a student module
  whose ``ident(x)`` returns ``x``, in a real sandboxed process (every
  layer this machine offers; a warm box unless ``--cold``), for ``x`` =
  ``None``, a 1-element float64 array, a (64, 100) and a (500, 100) float64
  array. The argument is not changed by the call, so only the value comes
  back.

It prints medians over ``--rounds`` rounds of ``--n`` calls each (the
median of the round medians), the ratios the issue asks for (small call
against the bare pipe, the (500, 100) call against two copies), the
machine's load average before and after, and the commit. Figures are
printed, never asserted: this is not a test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import struct
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # this checkout's code, whatever is installed (as floor.py and check_startup.py)

from autograder.sandbox import channel, protocol  # noqa: E402
from autograder.sandbox.child import Child  # noqa: E402
from autograder.sandbox.limits import Limits  # noqa: E402
from autograder.sandbox.session import SessionConfig, StudentSession  # noqa: E402

STUDENT = "def ident(x):\n    return x\n"
VALUES = {"None": None, "(1,) f8": np.zeros(1), "(64, 100) f8": np.zeros((64, 100)),
          "(500, 100) f8": np.zeros((500, 100))}


def forked(serve) -> tuple[int, int, int]:
    """A forked process running ``serve(read_fd, write_fd)`` on two new pipes: (pid, fd to write, fd to read)."""
    to_r, to_w = os.pipe()
    back_r, back_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(to_w)
        os.close(back_r)
        serve(to_r, back_w)
        os._exit(0)
    os.close(to_r)
    os.close(back_w)
    return pid, to_w, back_r


def median_s(n: int, step) -> float:
    """The median time of ``n`` runs of ``step()`` (each run timed on its own)."""
    times = []
    for _ in range(n):
        started = time.perf_counter()
        step()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def echo(read_fd: int, write_fd: int) -> None:
    """Write back whatever arrives."""
    while data := os.read(read_fd, 1 << 16):
        os.write(write_fd, data)


HEADER = struct.Struct("<IIq")  # op, bytes, rows: the least a message could say


def minimal_echo(read_fd: int, write_fd: int) -> None:
    """Answer each minimal frame with the array it carried."""
    buf = bytearray(1 << 16)
    while os.readv(read_fd, [buf]):
        op, size, rows = HEADER.unpack_from(buf, 0)
        x = np.frombuffer(buf, dtype=np.float64, count=size // 8, offset=HEADER.size).copy()
        os.writev(write_fd, [HEADER.pack(1, x.nbytes, rows), x])


def minimal_frame(write_fd: int, read_fd: int, x: np.ndarray, buf: bytearray) -> np.ndarray:
    """One minimal frame there and back: the array it brings back."""
    os.writev(write_fd, [HEADER.pack(2, x.nbytes, len(x)), x])
    os.readv(read_fd, [buf])
    op, size, rows = HEADER.unpack_from(buf, 0)
    return np.frombuffer(buf, dtype=np.float64, count=size // 8, offset=HEADER.size).copy()


def plain_child() -> tuple[int, "channel.Channel"]:
    """A ``Child`` serving ``STUDENT`` in a plain forked process (no sandbox): (pid, the grader's channel)."""
    pid, write_fd, read_fd = forked(lambda r, w: Child(channel.Channel(r, w)).serve())
    pipes = channel.Channel(read_fd, write_fd)
    pipes.send(protocol.load(source=STUDENT, filename="ident.py", module="ident", allowed_imports=[],
                             course_rule="", statement_timeout_s=2.0, skip=[], seed=0))
    while protocol.op(pipes.recv(time.monotonic() + 30)) != protocol.LOADED:
        pass
    return pid, pipes


def commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                             cwd=Path(__file__).resolve().parent, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True,
                               text=True, cwd=Path(__file__).resolve().parent).stdout.strip()
        return out + (" (uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000, help="calls per round and figure")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--cold", action="store_true", help="no warm box: a student process of its own")
    args = parser.parse_args()
    if args.cold:
        os.environ["AUTOGRADER_WARM"] = "0"
    load_before = os.getloadavg()
    pid, write_fd, read_fd = forked(echo)
    minimal_pid, minimal_w, minimal_r = forked(minimal_echo)
    plain_pid, pipes = plain_child()
    session = StudentSession(SessionConfig(STUDENT, "ident.py", "ident", limits=Limits()))
    report = session.start()
    if not report.ok:
        raise SystemExit(f"the student module did not load: {report.notes}")
    one, big = VALUES["(1,) f8"], VALUES["(500, 100) f8"]
    buf = bytearray(1 << 16)
    # The first copy is kept until the next run replaces it, as a buffer in use would be: freeing both at
    # once lets the allocator give the pages back, and the next copy pays for fresh ones (ten times slower).
    copies = [None]

    def two_copies():
        copies[0] = big.copy()
        copies[0].copy()

    steps = {
        "bare pipe, 8 bytes": lambda: (os.write(write_fd, b"12345678"), os.read(read_fd, 64)),
        "minimal framing, (1,) f8": lambda: minimal_frame(minimal_w, minimal_r, one, buf),
        "codec and child, (1,) f8": lambda: (pipes.send(protocol.call("ident", [one], {})),
                                             pipes.recv(time.monotonic() + 10)),
        **{f"ours, {label}": (lambda x=x: session.call("ident", (x,), {})) for label, x in VALUES.items()},
        "two copies, (500, 100) f8": two_copies,
    }
    figures: dict[str, list[float]] = {label: [] for label in steps}
    try:
        for _ in range(args.rounds):
            for label, step in steps.items():
                figures[label].append(median_s(args.n, step))
    finally:
        session.close()
        pipes.send(protocol.exit_())
        for fd in (write_fd, read_fd, minimal_w, minimal_r, pipes.read_fd, pipes.write_fd):
            os.close(fd)
        for child in (pid, minimal_pid, plain_pid):
            os.waitpid(child, 0)
    us = {label: statistics.median(values) * 1e6 for label, values in figures.items()}
    print(f"commit {commit()}; {os.cpu_count()} cores; load average before {load_before[0]:.2f}, "
          f"after {os.getloadavg()[0]:.2f}; sandbox: {', '.join(session.mechanisms)}")
    print(f"median of {args.rounds} rounds of {args.n} calls each")
    for label, value in us.items():
        print(f"  {label:30s} {value:9.1f} us")
    pipe, copies = us["bare pipe, 8 bytes"], us["two copies, (500, 100) f8"]
    small, big = us["ours, (1,) f8"], us["ours, (500, 100) f8"]
    minimal_us, codec_us = us["minimal framing, (1,) f8"], us["codec and child, (1,) f8"]
    print(f"small call / bare pipe:        {small / pipe:5.2f}x  (target: at most 2x; None: "
          f"{us['ours, None'] / pipe:.2f}x)")
    print(f"(500, 100) call / two copies:  {big / copies:5.2f}x  (target: at most 4x)")
    print(f"where a small call's time goes: the pipe {pipe:.1f} us, the least framing {minimal_us - pipe:.1f}, "
          f"our codec and child's call {codec_us - minimal_us:.1f}, the sandbox and the session "
          f"{small - codec_us:.1f}")
    print(f"array data: {2 * VALUES['(500, 100) f8'].nbytes / (big - small) / 1e3:.2f} GB/s "
          "(the (500, 100) array there and back, above a small call)")


if __name__ == "__main__":
    main()
