"""Benchmark: the cnn assignment graded on CUDA and on the CPU, side by side.

    python3 bench/cnn_devices.py [--devices cuda,cpu] [--repeat 1]

Grades the reference solution and every entry of
``tests/catalogue/cnn/gpu_wrong`` (mistakes only a GPU run can catch) on each
device and prints, per submission: wall time, score per part, and the
messages of the tests it lost. Needs a CUDA build of torch for ``cuda``,
and the cuda settings' data set (``python3 assignments/cnn/data/make_large.py``).
Figures are measured, never asserted: this is not a test.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from autograder import grade  # noqa: E402
from autograder.course import Course  # noqa: E402
from autograder.demo import catalogue_submission, reference_source  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devices", default="cuda,cpu")
    parser.add_argument("--repeat", type=int, default=1, help="grade the reference this many times per device")
    args = parser.parse_args()
    assignment = Course(REPO).assignment("cnn")
    if "cuda" in args.devices.split(","):
        assignment.dataset("cuda")  # its data set must be there: make it with assignments/cnn/data/make_large.py
    subs = [("reference", reference_source(assignment).encode())] * args.repeat
    subs += [(p.stem, catalogue_submission(assignment, p))
             for p in sorted((REPO / "tests/catalogue/cnn/gpu_wrong").glob("*.py"))]
    for device in args.devices.split(","):
        for name, data in subs:
            started = time.monotonic()
            result = grade.grade_submission(assignment, name, "cnn.py", data, device=device)
            parts = " ".join(f"{p.name}={p.score:g}/{p.max_score:g}" for p in result.parts)
            print(f"{device:4} {name:28} {time.monotonic() - started:6.1f} s  {result.score:5.1f}  {parts}")
            for o in result.outcomes:
                if o.fraction < 1:
                    print(f"       {o.id}: {o.status}{' (grader error)' if o.grader_error else ''}: {o.message[:160]}")


if __name__ == "__main__":
    main()
