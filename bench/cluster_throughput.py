"""Benchmark: the same batch on the local pool and through a local Dask cluster.

    python3 bench/cluster_throughput.py [--assignment backprop] [--n 100] [--jobs 2] [--workers 2]

Makes N submissions as bench/grade_batch.py does, grades them with the
local pool (--jobs), then starts a scheduler and --workers single-threaded
workers on this machine (subprocesses, as a TA would by hand) and grades
the same batch through them with ``--cluster``. Prints both throughputs and
checks that the two gradebook.csv files are identical. The cluster's start
(scheduler and workers) is timed apart from its batch. Figures are
measured, never asserted: this is not a test.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from autograder import api  # noqa: E402
from autograder.localcluster import LocalCluster  # noqa: E402
from grade_batch import make_batch  # noqa: E402


def timed(label: str, *args, **kwargs) -> tuple[float, list, list]:
    started = time.monotonic()
    results, faults = api.grade_batch(*args, log=io.StringIO(), **kwargs)
    wall = time.monotonic() - started
    print(f"{label}: {len(results)} graded, {len(faults)} grader faults, {wall:.1f} s wall, "
          f"{len(results) / wall:.2f} submissions/s", flush=True)
    return wall, results, faults


def submissions_per_worker(out: Path) -> list[int]:
    """How many submissions each worker graded, largest first, from each results.json's
    extra_data.runner.workers (a submission whose parts went to two workers counts for both)."""
    share: Counter = Counter()
    for path in out.glob("*/results.json"):
        share.update(set(json.loads(path.read_text())["extra_data"]["runner"].get("workers", {}).values()))
    return sorted(share.values(), reverse=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--assignment", default="backprop")
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        make_batch(args.assignment, tmp / "subs", args.n)
        timed(f"local pool, --jobs {args.jobs}", args.assignment, [tmp / "subs"], tmp / "local", args.jobs)
        started = time.monotonic()
        with LocalCluster(workers=[{}] * args.workers, folder=tmp / "cluster-run") as local:
            print(f"local cluster: scheduler and {args.workers} worker(s) (1 thread each) started in "
                  f"{time.monotonic() - started:.1f} s", flush=True)
            timed(f"cluster, {args.workers} worker(s)", args.assignment, [tmp / "subs"], tmp / "cluster",
                  cluster=local.address)
        same = (tmp / "local" / "gradebook.csv").read_bytes() == (tmp / "cluster" / "gradebook.csv").read_bytes()
        print(f"gradebook.csv identical: {same}; submissions per worker: {submissions_per_worker(tmp / 'cluster')}")


if __name__ == "__main__":
    main()
