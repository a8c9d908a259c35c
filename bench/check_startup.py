"""Benchmark: how long a student waits for `autograder check`, against Python's own floor.

    python3 bench/check_startup.py [--assignment backprop] [--repeat 5]

Runs, in the same run and alternating so that the machine's load hits both
alike, a bare ``python3 -c "import numpy"`` (the floor nobody can go below
for a numpy assignment), ``python3 -m autograder --version`` (our imports and
the course lookup, nothing graded) and ``autograder check NAME FILE`` on the
release stub and on the reference from the assignment's release folder, as a
student runs it from a terminal. Prints the median and min wall time of each
and what is ours above the floor. Figures are measured, never asserted: this
is not a test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def timed(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assignment", default="backprop")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    release = REPO / "release" / args.assignment
    stub = release / f"{args.assignment}.ipynb"
    reference = REPO / "solutions" / args.assignment / f"{args.assignment}.ipynb"
    env_python = [sys.executable]
    commands = {
        "python -c 'import numpy'": env_python + ["-c", "import numpy"],
        "autograder --version": env_python + ["-m", "autograder", "--version"],
        "check (release stub)": env_python + ["-m", "autograder", "check", args.assignment, str(stub)],
        "check (reference)": env_python + ["-m", "autograder", "check", args.assignment, str(reference)],
    }
    commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    print(f"commit {commit}; {os.cpu_count()} cores; load average before: "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.repeat):
        for name, cmd in commands.items():  # alternating: a load spike costs every command alike
            times[name].append(timed(cmd, release))
    floor = statistics.median(times["python -c 'import numpy'"])
    print(f"{'command':30s} {'median s':>9s} {'min s':>7s} {'above the floor':>16s}")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:30s} {median:9.2f} {min(values):7.2f} {median - floor:16.2f}")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
