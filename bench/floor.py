"""Benchmark: our sandboxed grading against the floor, the same tests with the student's code in this process.

    python3 bench/floor.py [--assignments backprop,optimizers,normalization] [--repeat 5]
                           [--wrong 3] [--correct 0] [--top 6] [--cold]

For each assignment (any of the course's), grades the reference solution,
the first ``--wrong`` entries of ``tests/catalogue/<a>/wrong/`` (``all`` for
every one) and the first ``--correct`` of ``correct/``, each two ways,
alternating so that the machine's load hits both alike:

- **ours**: ``grade.run_parts`` with every public and hidden test, in the
  sandbox as when grading (warm boxes unless ``--cold``);
- **floor**: the same tests run with ``bench/inprocess.py``'s stand-in for
  the session: the student's code executed into a module of this process,
  called directly with copies of the arguments and results (what the channel
  gives tests), for measurement only. It is not in the ``autograder``
  package, and nothing that grades can reach it.

One untimed round first (it starts the warm box and loads the reference and
the test files), then ``--repeat`` rounds; figures are medians over them.
This process uses one BLAS thread, as the student's process does, so that
the floor's student code gets no more cores than the sandbox's.
Prints, per assignment: the floor's load and tests time, ours split into
starting the student's process with loading its code, the tests, and the
rest (extracting, collecting the tests, closing), the ratio ours / floor of
the tests and of the whole submission; then the tests of the reference that
pay most for the channel, by ratio and by added milliseconds, with the
number of round trips each makes (calls into the student's code, and the
student's code's calls of grader functions passed to it). Scores are compared per
test (status and fraction): every difference between the floor and the
sandbox is printed as a WARNING line. Figures are measured, never asserted:
this is not a test.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
# One BLAS thread here, as the student's process has (run_parts' threads=1): else the floor's student code
# would multiply matrices on every core and the sandbox's on one. Set before numpy is imported.
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"

import numpy as np  # noqa: E402

import inprocess  # noqa: E402  (bench/inprocess.py)
from autograder import grade, record  # noqa: E402
from autograder.course import Course  # noqa: E402
from autograder.demo import catalogue_submission  # noqa: E402
from autograder.sandbox import launcher, zygote  # noqa: E402
from autograder.sandbox.session import StudentSession  # noqa: E402

DEFAULT = ("backprop", "optimizers", "normalization")
TARGET = 2.0  # issue #17, item 4: ours within 2x of the in-process floor

_started = {"s": 0.0}  # StudentSession.start's time in the last sandboxed run
_real_start = StudentSession.start


def _timed_start(self):
    """StudentSession.start, timed: starting the student's process and loading its code."""
    t0 = time.monotonic()
    try:
        return _real_start(self)
    finally:
        _started["s"] += time.monotonic() - t0


StudentSession.start = _timed_start  # this benchmark's process only


def commit() -> str:
    head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True).stdout.strip() or "unknown"
    dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    return head + (" (with uncommitted changes)" if dirty else "")


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def submissions(assignment, wrong: str, correct: str) -> list[tuple[str, str, bytes]]:
    """(label, filename, bytes): the reference, then the catalogue's entries asked for."""
    ref = Course.of(assignment).solution_file(assignment)
    out = [("reference", ref.name, ref.read_bytes())]
    for kind, count in (("wrong", wrong), ("correct", correct)):
        paths = sorted((REPO / "tests" / "catalogue" / assignment.name / kind).glob("*.py"))
        paths = paths if count == "all" else paths[:int(count)]
        out += [(f"{kind}/{p.stem}", f"{assignment.student_file}.py", catalogue_submission(assignment, p))
                for p in paths]
    return out


def ours(assignment, filename: str, data: bytes) -> tuple[record.Run, dict]:
    _started["s"] = 0.0
    t0 = time.monotonic()
    run = grade.run_parts(assignment, filename, data)
    total = time.monotonic() - t0
    tests = sum(o.duration_s for o in run.outcomes)
    return run, {"start": _started["s"], "tests": tests, "other": total - _started["s"] - tests, "total": total}


def floor(assignment, filename: str, data: bytes, calls: dict | None = None) -> tuple[record.Run, dict]:
    timings: dict = {}
    run = inprocess.run_parts(assignment, filename, data, timings=timings, calls=calls)
    tests = sum(o.duration_s for o in run.outcomes)
    return run, {"load": timings["load"], "tests": tests,
                 "other": timings["total"] - timings["load"] - tests, "total": timings["total"]}


def compare(name: str, label: str, a: record.Run, b: record.Run, assignment) -> list[str]:
    """WARNING lines for every test whose status or fraction differs between the sandbox (a) and the floor (b)."""
    lines = []
    mine = {key(o): o for o in b.outcomes}
    for o in a.outcomes:
        f = mine.get(key(o))
        if f is None:
            lines.append(f"WARNING {name} {label}: {key(o)} ran in the sandbox only")
        elif (o.status, round(o.fraction, 6)) != (f.status, round(f.fraction, 6)):
            lines.append(f"WARNING {name} {label}: {key(o)}: sandbox {o.status} {o.fraction:g} "
                         f"({o.message[:120]!r}), floor {f.status} {f.fraction:g} ({f.message[:120]!r})")
    sa, sb = record.assemble(assignment, label, [a]).score, record.assemble(assignment, label, [b]).score
    if abs(sa - sb) > 1e-9:
        lines.append(f"WARNING {name} {label}: score {sa:g} in the sandbox, {sb:g} in the floor")
    return lines


def key(outcome) -> str:
    """A test's name in the report: its part and visibility too (test names repeat across parts and files)."""
    return f"{outcome.part}/{outcome.visibility} {outcome.id}"


def med(rows: list[dict], field: str) -> float:
    return statistics.median(r[field] for r in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assignments", default=",".join(DEFAULT), help="comma-separated (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--wrong", default="3", help="catalogue wrong entries per assignment: a number or 'all'")
    parser.add_argument("--correct", default="0", help="catalogue correct entries per assignment: a number or 'all'")
    parser.add_argument("--top", type=int, default=6, help="tests listed per assignment in each ranking")
    parser.add_argument("--cold", action="store_true", help="no warm boxes: a new box and interpreter per student")
    args = parser.parse_args()
    if args.cold:
        os.environ[zygote.WARM_ENV] = "0"
    course = Course(REPO)
    names = [n.strip() for n in args.assignments.split(",") if n.strip()]
    print(f"commit {commit()}; {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
          f"Python {platform.python_version()}, numpy {np.__version__}; sandbox {launcher.describe()}"
          f"{' (cold: no warm boxes)' if args.cold else ''}")
    print(f"load average before: {load()}")
    summary = []
    for name in names:
        assignment = course.assignment(name)
        subs = submissions(assignment, args.wrong, args.correct)
        t0 = time.monotonic()
        ours(assignment, subs[0][1], subs[0][2])  # untimed: the warm box, the reference, the test files
        first = time.monotonic() - t0
        floor(assignment, subs[0][1], subs[0][2])
        rows: dict[str, dict[str, list]] = {label: {"ours": [], "floor": []} for label, _, _ in subs}
        per_test: dict[str, dict[str, list]] = {}
        calls: dict[str, int] = {}
        warnings_: list[str] = []
        for rep in range(args.repeat):
            for label, filename, data in subs:
                # alternating, and the order flipped every round: neither side always runs second
                sides = ("ours", "floor") if rep % 2 == 0 else ("floor", "ours")
                runs = {}
                for side in sides:
                    if side == "ours":
                        runs[side], t = ours(assignment, filename, data)
                    else:
                        runs[side], t = floor(assignment, filename, data, calls if label == "reference" else None)
                    rows[label][side].append(t)
                if rep == 0:
                    warnings_ += compare(name, label, runs["ours"], runs["floor"], assignment)
                if label == "reference":
                    for side in ("ours", "floor"):
                        for o in runs[side].outcomes:
                            per_test.setdefault(key(o), {"ours": [], "floor": []})[side].append(o.duration_s)
        n_tests = len(per_test)
        print(f"\n== {name}: {len(subs)} submission(s), {n_tests} tests, {args.repeat} rounds "
              f"(first, untimed run of ours: {first:.2f} s, box start included); load average {load()}")
        print(f"{'submission':34s} {'floor load':>10s} {'floor tests':>11s} {'ours start+load':>15s} "
              f"{'ours tests':>10s} {'ours other':>10s} {'ours total':>10s} {'tests x':>7s} {'total x':>7s}")
        ratios = []
        for label, sides in rows.items():
            f, o = sides["floor"], sides["ours"]
            tests_x = med(o, "tests") / med(f, "tests")
            total_x = med(o, "total") / med(f, "total")
            ratios.append((label, tests_x, total_x))
            print(f"{label[:34]:34s} {med(f, 'load') * 1000:8.1f}ms {med(f, 'tests'):10.3f}s "
                  f"{med(o, 'start') * 1000:13.1f}ms {med(o, 'tests'):9.3f}s {med(o, 'other') * 1000:8.1f}ms "
                  f"{med(o, 'total'):9.3f}s {tests_x:6.2f}x {total_x:6.2f}x")
        ref = rows["reference"]
        summary.append((name, med(ref["floor"], "total"), med(ref["ours"], "total"), ratios[0][1], ratios[0][2],
                        statistics.median(r[2] for r in ratios)))
        table = []
        for test_id, sides in per_test.items():
            fo, oo = statistics.median(sides["floor"]), statistics.median(sides["ours"])
            table.append((test_id, fo, oo, oo / fo if fo > 0 else float("inf"), oo - fo, calls.get(test_id, 0)))
        extra = sum(t[4] for t in table)
        print(f"reference, per test: the channel adds {extra * 1000:.0f} ms over {sum(calls.values())} round trips "
              f"(calls and callbacks; {extra / max(1, sum(calls.values())) * 1e6:.0f} us each)")
        for title, order in (("largest ratios", lambda t: t[3]), ("most added time", lambda t: t[4])):
            print(f"  {title}:")
            for t in sorted(table, key=order, reverse=True)[:args.top]:
                per_trip = f"{t[4] / t[5] * 1e6:6.0f} us each" if t[5] else ""
                print(f"    {t[0][:76]:76s} floor {t[1] * 1000:8.2f} ms  ours {t[2] * 1000:8.2f} ms  "
                      f"{t[3]:6.1f}x  +{t[4] * 1000:7.2f} ms  {t[5]:5d} trips {per_trip}")
        for line in warnings_:
            print(line)
        if not warnings_:
            print(f"scores: the floor and the sandbox agree on every test of the {len(subs)} submission(s)")
    print(f"\nload average after: {load()}")
    print(f"\n{'assignment':16s} {'floor s':>8s} {'ours s':>8s} {'tests x':>8s} {'total x':>8s} "
          f"{'median total x, all':>20s}  target {TARGET:g}x (reference, total)")
    for name, f, o, tx, total_x, all_x in summary:
        print(f"{name:16s} {f:8.3f} {o:8.3f} {tx:7.2f}x {total_x:7.2f}x {all_x:19.2f}x  "
              f"{'met' if total_x <= TARGET else 'NOT met'}")


if __name__ == "__main__":
    main()
