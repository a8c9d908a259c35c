"""Benchmark: how long a student waits for `autograder check`, against Python's own floor.

    python3 bench/check_startup.py [--assignment backprop] [--repeat 5] [--baseline DIR]

Runs, in the same run and alternating so that the machine's load hits all
alike, a bare ``python3 -c "import numpy"`` (the floor nobody can go below
for a numpy assignment), ``python3 -m autograder --version`` (our imports and
the course lookup, nothing graded) and ``autograder check NAME FILE`` on the
release stub and on the reference from the assignment's release folder, as a
student runs it from a terminal, twice over: **first**, with check servers
off (``AUTOGRADER_KEEP_S=0``: every check starts its own grader and box, as
the first check in a while does), and **served**, answered by the check
server an earlier check left (``autograder/check_server.py``; its socket
folder is a temporary one of this run's, and the server is stopped at the
end; the script checks that the server answered every served run). With
``--baseline DIR`` (another copy of
the code, e.g. ``git archive OLD | tar -x -C DIR``), ``check`` run with that
code is timed in the same rounds, for a before/after.

It also measures the public tests' own floor: the same public tests run in
this process with ``bench/inprocess.py``'s stand-in for the sandbox (the
student's code loaded into a module here and called directly, with copies
in and out; measurement only), on the stub and on the reference, after one
untimed run: the time to load the student's code and run the tests, not
counting Python's start, the imports or collecting the test files. The
target (issue #17, item 5) is ``check`` within 1.5 x (numpy import + that
floor); the last lines set each ``check``'s median against it.

Subprocesses run with bytecode caching on (``PYTHONDONTWRITEBYTECODE``
removed), as an installed package has its ``.pyc`` files, and one untimed
round first writes them. Prints the median and min wall time of each command
and what is ours above the floor. Figures are measured, never asserted: this
is not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGET_FACTOR = 1.5


def timed(cmd: list[str], cwd: Path, env: dict) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def server_hello(env: dict, wait_s: float) -> dict | None:
    """The hello (pid, checks answered) of the check server for ``env``, waiting up to ``wait_s`` for one."""
    code = ("import json; from autograder import check_server; found = check_server.connect(); "
            "print(json.dumps(found[1] if found else None))")
    deadline = time.monotonic() + wait_s
    while True:
        done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
        hello = json.loads(done.stdout or "null")
        if hello is not None or time.monotonic() >= deadline:
            return hello
        time.sleep(0.2)


def public_floor(name: str, files: dict[str, Path], repeat: int) -> dict[str, dict[str, float]]:
    """Median seconds to load the student's code and run the public tests in this process, per file
    (one BLAS thread, as the student's process has)."""
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[variable] = "1"  # numpy is not imported in this process yet
    sys.path.insert(0, str(REPO))
    sys.path.insert(0, str(REPO / "bench"))
    import inprocess  # bench/inprocess.py: measurement only
    from autograder.course import Course

    assignment = Course(REPO).assignment(name)
    out = {}
    for label, path in files.items():
        data = path.read_bytes()
        inprocess.run_parts(assignment, path.name, data, visibilities=("public",))  # untimed: first imports
        loads, tests = [], []
        for _ in range(repeat):
            timings: dict = {}
            inprocess.run_parts(assignment, path.name, data, visibilities=("public",), timings=timings)
            loads.append(timings["load"])
            tests.append(timings["tests"])
        out[label] = {"load": statistics.median(loads), "tests": statistics.median(tests)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assignment", default="backprop")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--baseline", metavar="DIR", help="another copy of the code to time check with, alike")
    args = parser.parse_args()
    release = REPO / "release" / args.assignment
    stub = release / f"{args.assignment}.ipynb"
    reference = REPO / "solutions" / args.assignment / f"{args.assignment}.ipynb"
    python = [sys.executable]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    ours = {**env, "PYTHONPATH": str(REPO), "AUTOGRADER_KEEP_S": "0"}  # this checkout's code, whatever is installed
    runtime = tempfile.mkdtemp(prefix="ag-bench-run-")  # the served checks' private socket folder
    served = {**ours, "AUTOGRADER_KEEP_S": "600", "XDG_RUNTIME_DIR": runtime}
    check = python + ["-m", "autograder", "check", args.assignment]
    commands = {
        "python -c 'import numpy'": (python + ["-c", "import numpy"], env),
        "autograder --version": (python + ["-m", "autograder", "--version"], ours),
    }
    for label, path in (("release stub", stub), ("reference", reference)):
        commands[f"check, first ({label})"] = (check + [str(path)], ours)
        commands[f"check, served ({label})"] = (check + [str(path)], served)
    if args.baseline:
        base = {**ours, "PYTHONPATH": str(Path(args.baseline).resolve())}
        commands["baseline check (release stub)"] = (commands["check, first (release stub)"][0], base)
        commands["baseline check (reference)"] = (commands["check, first (reference)"][0], base)
    commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    print(f"commit {commit}{' (with uncommitted changes)' if dirty else ''}; {os.cpu_count()} cores; "
          f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
          + (f"; baseline code: {args.baseline}" if args.baseline else ""))
    for cmd, cmd_env in commands.values():  # untimed: writes the .pyc files, warms the disk cache
        timed(cmd, release, cmd_env)
    before = server_hello(served, wait_s=120)  # the first served run left it; it warms up, then listens
    times: dict[str, list[float]] = {name: [] for name in commands}
    try:
        for _ in range(args.repeat):
            for name, (cmd, cmd_env) in commands.items():  # alternating: a load spike costs every command alike
                times[name].append(timed(cmd, release, cmd_env))
        after = server_hello(served, wait_s=0)
    finally:
        subprocess.run(python + ["-c", "from autograder import check_server; check_server.stop()"], env=served,
                       check=False)
        shutil.rmtree(runtime, ignore_errors=True)
    answered = after["checks"] - before["checks"] if before and after and after["pid"] == before["pid"] else 0
    print(f"the check server answered {answered} of the {2 * args.repeat} served runs")
    numpy_s = statistics.median(times["python -c 'import numpy'"])
    print(f"{'command':32s} {'median s':>9s} {'min s':>7s} {'above the floor':>16s}")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:32s} {median:9.2f} {min(values):7.2f} {median - numpy_s:16.2f}")
    floors = public_floor(args.assignment, {"release stub": stub, "reference": reference}, args.repeat)
    print("public tests' floor (in this process: load the code, run the tests), median:")
    for label, f in floors.items():
        print(f"  {label:14s} load {f['load'] * 1000:6.1f} ms, tests {f['tests'] * 1000:6.1f} ms")
    print(f"target: check within {TARGET_FACTOR:g} x (numpy import + public tests' floor)")
    for label, f in floors.items():
        target = TARGET_FACTOR * (numpy_s + f["load"] + f["tests"])
        for name in (f"check, first ({label})", f"check, served ({label})", f"baseline check ({label})"):
            if name in times:
                median = statistics.median(times[name])
                print(f"  {name:32s} {median:5.2f} s against {target:5.2f} s: {median / target:4.2f} of the target, "
                      f"{'met' if median <= target else 'NOT met'}")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
