"""Benchmark: grading time of an assignment's submissions on this machine.

    python3 bench/grade_batch.py [--assignment backprop] [--n 20] [--jobs 2] [--cold]

Makes a batch of N submissions cycling through the reference notebook, the
release stub and the catalogue's wrong implementations, grades it with the
local pool, and prints the median and p95 time per submission (from each
result's execution_time) and the batch throughput. Figures are measured,
never asserted: this is not a test.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from autograder import api  # noqa: E402
from autograder.course import Course  # noqa: E402
from autograder.demo import catalogue_submission  # noqa: E402
from autograder.pool import usable_cores  # noqa: E402
from autograder.sandbox import zygote  # noqa: E402


def make_batch(name: str, folder: Path, n: int) -> None:
    assignment = Course(REPO).assignment(name)
    stem = assignment.student_file
    sources = [(Course.of(assignment).solution_file(assignment).read_bytes(), ".ipynb"),
               ((Course.of(assignment).release_dir(assignment.name) / f"{stem}.ipynb").read_bytes(), ".ipynb")]
    sources += [(catalogue_submission(assignment, p), ".py")
                for p in sorted((REPO / "tests/catalogue" / name / "wrong").glob("*.py"))]
    for i in range(n):
        data, suffix = sources[i % len(sources)]
        (folder / f"s{i:03d}").mkdir(parents=True)
        (folder / f"s{i:03d}" / f"{stem}{suffix}").write_bytes(data)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--assignment", default="backprop")
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--cold", action="store_true", help="no warm boxes: a new box and interpreter per student")
    args = parser.parse_args()
    if args.cold:
        os.environ[zygote.WARM_ENV] = "0"
    import subprocess
    commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip() or "unknown"
    print(f"commit {commit}; load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as tmp:
        subs = Path(tmp) / "subs"
        make_batch(args.assignment, subs, args.n)
        started = time.monotonic()
        results, faults = api.grade_batch(args.assignment, [subs], Path(tmp) / "out", args.jobs, log=io.StringIO())
        wall = time.monotonic() - started
    times = sorted(r.execution_time_s for r in results)
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    ref = [r.execution_time_s for r in results if r.score == r.max_score]
    print(f"{args.assignment}: {len(results)} graded, {len(faults)} grader faults, jobs={args.jobs or usable_cores()}")
    print(f"per submission: median {statistics.median(times):.3f} s, p95 {p95:.3f} s, "
          f"max {times[-1]:.3f} s; full-score ones median {statistics.median(ref) if ref else float('nan'):.3f} s")
    # Added time: everything but the tests' own work (extracting, starting the
    # student's process, loading its code, scoring, writing the files).
    added = sorted(r.execution_time_s - sum(o.duration_s for o in r.outcomes) for r in results)
    print(f"added time per submission: median {statistics.median(added) * 1000:.0f} ms, "
          f"p95 {added[min(len(added) - 1, int(round(0.95 * (len(added) - 1))))] * 1000:.0f} ms "
          f"({'cold' if args.cold else 'warm boxes'})")
    print(f"batch: {wall:.1f} s wall, {len(results) / wall:.2f} submissions/s")
    print(f"peak memory: grader {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MiB, "
          f"largest student process or box {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024} MiB")


if __name__ == "__main__":
    main()
