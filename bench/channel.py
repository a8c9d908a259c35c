"""Benchmark: one call's round trip through the sandbox channel, against the pipe's own floor.

    python3 bench/channel.py [--n 2000] [--rounds 5] [--cold]

In one run, alternating so that the machine's load touches every figure
alike, it measures:

- **bare pipe**: 8 bytes written to a forked echo process and read back
  (``os.write`` + ``os.read`` on both sides): the floor of any round trip
  between two processes here;
- **two copies**: ``y = x.copy(); z = y.copy()`` of the array, in this
  process: the floor of moving an array there and back;
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
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # this checkout's code, whatever is installed (as floor.py and check_startup.py)

from autograder.sandbox.limits import Limits  # noqa: E402
from autograder.sandbox.session import SessionConfig, StudentSession  # noqa: E402

STUDENT = "def ident(x):\n    return x\n"
VALUES = {"None": None, "(1,) f8": np.zeros(1), "(64, 100) f8": np.zeros((64, 100)),
          "(500, 100) f8": np.zeros((500, 100))}


def echo_process() -> tuple[int, int, int]:
    """A forked process that writes back whatever it reads: (pid, fd to write, fd to read)."""
    to_r, to_w = os.pipe()
    back_r, back_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(to_w)
        os.close(back_r)
        while True:
            data = os.read(to_r, 1 << 16)
            if not data:
                os._exit(0)
            os.write(back_w, data)
    os.close(to_r)
    os.close(back_w)
    return pid, to_w, back_r


def bare_pipe(n: int, write_fd: int, read_fd: int) -> float:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        os.write(write_fd, b"12345678")
        os.read(read_fd, 64)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def two_copies(n: int, x: np.ndarray) -> float:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        y = x.copy()
        y.copy()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def calls(n: int, session: StudentSession, x) -> float:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        session.call("ident", (x,), {})
        times.append(time.perf_counter() - started)
    return statistics.median(times)


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
    pid, write_fd, read_fd = echo_process()
    session = StudentSession(SessionConfig(STUDENT, "ident.py", "ident", limits=Limits()))
    report = session.start()
    if not report.ok:
        raise SystemExit(f"the student module did not load: {report.notes}")
    figures: dict[str, list[float]] = {}
    try:
        for _ in range(args.rounds):
            figures.setdefault("bare pipe, 8 bytes", []).append(bare_pipe(args.n, write_fd, read_fd))
            for label, x in VALUES.items():
                figures.setdefault(f"ours, {label}", []).append(calls(args.n, session, x))
            figures.setdefault("two copies, (500, 100) f8", []).append(two_copies(args.n, VALUES["(500, 100) f8"]))
    finally:
        session.close()
        os.close(write_fd)
        os.close(read_fd)
        os.waitpid(pid, 0)
    us = {label: statistics.median(values) * 1e6 for label, values in figures.items()}
    print(f"commit {commit()}; {os.cpu_count()} cores; load average before {load_before[0]:.2f}, "
          f"after {os.getloadavg()[0]:.2f}; sandbox: {', '.join(session.mechanisms)}")
    print(f"median of {args.rounds} rounds of {args.n} calls each")
    for label, value in us.items():
        print(f"  {label:28s} {value:9.1f} us")
    pipe, copies = us["bare pipe, 8 bytes"], us["two copies, (500, 100) f8"]
    small, big = us["ours, (1,) f8"], us["ours, (500, 100) f8"]
    print(f"small call / bare pipe:        {small / pipe:5.2f}x  (target: at most 2x; None: "
          f"{us['ours, None'] / pipe:.2f}x)")
    print(f"(500, 100) call / two copies:  {big / copies:5.2f}x  (target: at most 4x)")
    print(f"array data: {2 * VALUES['(500, 100) f8'].nbytes / (big - small) / 1e3:.2f} GB/s "
          "(the (500, 100) array there and back, above a small call)")


if __name__ == "__main__":
    main()
