"""Benchmark: scale figures, and what a course of many students would take on a cluster.

    python3 bench/scale.py [--assignment backprop] [--n 40] [--jobs 1,2] [--workers 1,2]
                           [--students 1000] [--machines 8] [--cores 16] [--json FILE] [--keep DIR]

In one run, on one batch of N submissions (bench/grade_batch.py's
make_batch: the reference notebook, the release stub and the catalogue's
wrong implementations, cycling), each configuration graded in a subprocess
of its own, measured with bench/measuring.py:

1. the local pool with --jobs 1 and --jobs 2 (``api.grade_batch(...,
   jobs)``);
2. the Dask runner with 1 and 2 single-thread workers on this machine
   (autograder.localcluster.LocalCluster, as bench/cluster_throughput.py
   starts it), the cluster's start-up timed apart from the batch.

For each: wall time and submissions/s of the batch, CPU seconds per
submission of the whole process tree (a cpuacct cgroup, read at the start
and the end of the batch, so sandboxed and killed student processes count;
split into the grader's own process, the Dask scheduler and the rest: the
workers and the students' processes), the per-submission execution_time
(median, p95, max), and the peak memory of each unit of the tree sampled
from /proc: the grader process, each slot's warm box with its student
process, or each Dask worker with its boxes. Then the estimate for
--students on --machines x --cores, derived from these figures, with its
assumptions printed beside it. Figures are measured, never asserted: this
is not a test.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from cluster_throughput import submissions_per_worker  # noqa: E402
from grade_batch import make_batch  # noqa: E402
from measuring import measure, own_cpuacct_seconds, pct, process_cpu_seconds  # noqa: E402


# -- the child: one configuration, inside measure()'s cgroup -------------------------------
def _mark(cluster=None) -> dict:
    """Wall clock and CPU counters now: the cgroup's, this process's, and the cluster's processes'."""
    mark = {"t": time.monotonic(), "group": own_cpuacct_seconds(), "client": process_cpu_seconds(os.getpid())}
    if cluster is not None:
        mark["scheduler"] = process_cpu_seconds(cluster.procs[0].pid)
        mark["workers"] = {f"worker-{i}": process_cpu_seconds(p.pid) for i, p in enumerate(cluster.worker_procs)}
    return mark


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else b - a


class Progress(threading.Thread):
    """This process's CPU against the number of results written, every ``interval`` s: how the process's CPU
    splits into before the first result (for a Dask client: packing the course, asking the workers), per result
    (receiving, scoring, the gradebook, the student's files) and after the last (rebuilding the reports)."""

    def __init__(self, out: Path, interval: float):
        super().__init__(daemon=True)
        self.out, self.interval = out, interval
        self.samples: list[tuple[float, float, int]] = []  # (time, CPU s of this process, results written)
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(self.interval):
            self.samples.append((time.monotonic(), process_cpu_seconds(os.getpid()) or 0.0,
                                 sum(1 for _ in self.out.glob("*/results.json"))))

    def split(self, n: int, before: dict, after: dict) -> dict:
        """CPU s before the first result, per result (the slope between the first sample with a result and the
        last one before all ``n``), after the last; None where the samples are too few."""
        first = next((s for s in self.samples if s[2] >= 1), None)
        every = next((s for s in self.samples if s[2] >= n), None)
        inside = [s for s in self.samples if 1 <= s[2] < n]
        slope = None
        if len(inside) >= 2 and inside[-1][2] > inside[0][2]:
            slope = (inside[-1][1] - inside[0][1]) / (inside[-1][2] - inside[0][2])
        return {"client_head_cpu_s": _diff(before["client"], first and first[1]),
                "client_marginal_cpu_s": slope,
                "client_tail_cpu_s": _diff(every and every[1], after["client"]),
                "client_tail_wall_s": _diff(every and every[0], after["t"])}


def child(args) -> None:
    """Grade the batch with one configuration; write the figures as JSON to --result."""
    from autograder import api
    subs, out = Path(args.subs), Path(args.out)
    log = io.StringIO()
    fig: dict = {"mode": args.child, "slots": args.slots}
    progress = Progress(out, 0.25)
    progress.start()
    if args.child == "pool":
        fig["startup_wall_s"] = fig["startup_cpu_s"] = None
        before = _mark()
        results, faults = api.grade_batch(args.assignment, [subs], out, args.slots, log=log)
        after = _mark()
    else:
        from autograder.localcluster import LocalCluster
        started, cpu0 = time.monotonic(), own_cpuacct_seconds()
        with LocalCluster(workers=[{}] * args.slots, folder=out.parent / f"{out.name}-cluster") as cluster:
            before = _mark(cluster)
            fig["startup_wall_s"] = before["t"] - started
            fig["startup_cpu_s"] = _diff(cpu0, before["group"])
            results, faults = api.grade_batch(args.assignment, [subs], out, log=log, cluster=cluster.address)
            after = _mark(cluster)
            fig["pids"] = {"scheduler": cluster.procs[0].pid,
                           **{f"worker-{i}": p.pid for i, p in enumerate(cluster.worker_procs)}}
            fig["scheduler_cpu_s"] = _diff(before["scheduler"], after["scheduler"])
            fig["worker_process_cpu_s"] = {k: _diff(v, after["workers"][k]) for k, v in before["workers"].items()}
        fig["per_worker"] = submissions_per_worker(out)
    fig.update(batch_wall_s=after["t"] - before["t"], batch_cpu_s=_diff(before["group"], after["group"]),
               client_cpu_s=_diff(before["client"], after["client"]), graded=len(results), faults=len(faults),
               exec_times=[r.execution_time_s for r in results],
               test_times=[sum(o.duration_s for o in r.outcomes) for r in results],
               **progress.split(len(results), before, after))
    progress.done.set()
    (out.parent / f"{out.name}.log").write_text(log.getvalue())
    Path(args.result).write_text(json.dumps(fig) + "\n")


# -- the parent: run each configuration, report ------------------------------------------
def run_config(work: Path, args, mode: str, slots: int) -> dict:
    label = f"{mode}-{slots}"
    result = work / f"{label}.json"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", mode, "--slots", str(slots),
           "--assignment", args.assignment, "--subs", str(work / "subs"), "--out", str(work / label),
           "--result", str(result)]
    env = dict(os.environ)
    # this checkout's package, in the child and in the Dask workers it starts (an editable install may point
    # elsewhere)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [env.get("PYTHONPATH")])])
    print(f"  {label}: grading {args.n} submissions ...", file=sys.stderr, flush=True)
    fig = measure(cmd, REPO, env, work / f"{label}.out", args.sample_s, units=True)
    if fig["rc"] or not result.is_file():
        raise SystemExit(f"{label} failed (exit {fig['rc']}); see {work / (label + '.out')}")
    fig.update(json.loads(result.read_text()))
    fig["command"] = shlex.join(cmd)
    print(f"  {label}: {fig['batch_wall_s']:.1f} s", file=sys.stderr, flush=True)
    return fig


def rebuild_cost(work: Path, args, full: Path, n: int) -> dict:
    """CPU s of rebuilding a batch's reports from its gradebook (what the end of a batch does: every student's
    files again, gradebook.csv, summary.html), for 1 record and for ``n``: fixed part and part per student."""
    from autograder import api
    from autograder.course import Course
    course = Course(REPO)
    first = sorted((work / "subs").iterdir())[0]
    shutil.copytree(first, work / "one-subs" / first.name)
    api.grade_batch(args.assignment, [work / "one-subs"], work / "one", 1, log=io.StringIO(), course=course)

    def cpu(out: Path) -> float:
        started = time.process_time()
        api.rebuild_reports(out, course=course)
        return time.process_time() - started

    cpu(full)  # imports and caches, as a client has them by the end of a batch
    one, many = min(cpu(work / "one") for _ in range(3)), min(cpu(full) for _ in range(3))
    per = (many - one) / (n - 1) if n > 1 else float("nan")
    return {"rebuild_1_cpu_s": one, "rebuild_n_cpu_s": many, "rebuild_per_student_cpu_s": per,
            "rebuild_fixed_cpu_s": one - per}


def _units(fig: dict) -> list[tuple[str, dict]]:
    """(label, unit) for each unit of the tree: the grader (client) process, each slot's box or each worker."""
    from autograder.sandbox.launcher import SANDBOX_UID_BASE
    by_pid = {pid: name for name, pid in fig.get("pids", {}).items()}
    out = []
    for i, unit in enumerate(fig["units"]):
        if i == 0:
            name = "grader process (all slots' threads)" if fig["mode"] == "pool" else "client (grade_batch)"
        elif unit["pid"] in by_pid:
            name = by_pid[unit["pid"]] + (" + its boxes" if by_pid[unit["pid"]].startswith("worker") else "")
        else:
            slots = sorted({u - SANDBOX_UID_BASE for u in unit["uids"]
                            if SANDBOX_UID_BASE <= u < SANDBOX_UID_BASE + 4096})
            name = (f"slot {','.join(map(str, slots))}: warm box + student" if slots
                    else f"other: {unit['cmd'][:40]}")
        out.append((name, unit))
    return out[:1] + sorted(out[1:], key=lambda x: x[0])


def _meminfo_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 2**20
    return float("nan")


def _git_state() -> str:
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO, capture_output=True,
                           text=True)
    return (head.stdout.strip() or "unknown") + (" + uncommitted changes" if dirty.stdout.strip() else "")


def _f(x: float | None, spec: str = ".2f") -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, spec)


def report(args, facts: dict, figs: dict[str, dict], extra: dict) -> dict:
    n = args.n
    print(f"\nmachine: {facts['cores']} cores ({facts['usable']} usable), {facts['ram_gib']:.1f} GiB RAM, "
          f"{facts['cpu']}; Python {facts['python']}, numpy {facts['numpy']}; sandbox: {facts['sandbox']}")
    print(f"grader at {facts['git']}; load average before: {facts['load_before']}, after: {facts['load_after']}")
    print(f"batch: {args.assignment}, N={n} (make_batch: reference, release stub, catalogue's wrong entries, "
          "cycling)\n")
    print("| run | slots | batch wall s | subs/s | slot-s per sub | CPU s per sub (grader process) | "
          "median / p95 / max s per sub | peak tree RSS / PSS MB | load 1-min mean (max) | others' CPU, cores |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    derived = dict(extra)
    for key, fig in figs.items():
        slots, wall = fig["slots"], fig["batch_wall_s"]
        times = fig["exec_times"]
        d = derived[key] = {
            "subs_s": fig["graded"] / wall, "slot_s": slots * wall / fig["graded"],
            "cpu": fig["batch_cpu_s"] / fig["graded"] if fig["batch_cpu_s"] is not None else None,
            "client_cpu": fig["client_cpu_s"] / fig["graded"] if fig["client_cpu_s"] is not None else None,
            "mean_exec": statistics.fmean(times), "p95": pct(times, 0.95), "max": max(times)}
        name = f"pool --jobs {slots}" if fig["mode"] == "pool" else f"dask, {slots} worker(s)"
        print(f"| {name} | {slots} | {wall:.1f} | {d['subs_s']:.3f} | {d['slot_s']:.2f} | {_f(d['cpu'])} "
              f"({_f(d['client_cpu'])}) | {statistics.median(times):.2f} / {d['p95']:.2f} / {d['max']:.2f} | "
              f"{fig['peak_tree_rss_mb']:.0f} / {fig['peak_tree_pss_mb']:.0f} | "
              f"{_f(fig['load_during'].get('mean'))} ({_f(fig['load_during'].get('max'))}) | "
              f"{fig['others_busy_cores']:.2f} |")
    print("\nslot-s per sub = slots x batch wall / N (the time a slot is held per submission); CPU: the whole tree "
          "during the batch (cpuacct), the grader's own process (client of a Dask run) in brackets; per sub: "
          "results' execution_time; others' CPU: the machine's busy CPU minus the tree's (shared machine).")
    for key, fig in figs.items():
        if fig["faults"] or fig["graded"] != n:
            print(f"  {key}: {fig['graded']} graded, {fig['faults']} grader fault(s)")

    print("\nmemory per worker (peak over the run; RSS counts shared pages in each process, PSS shares them out):")
    print("| run | unit | processes | peak RSS MB | peak PSS MB |")
    print("|---|---|---|---|---|")
    for key, fig in figs.items():
        for name, unit in _units(fig):
            print(f"| {key} | {name} | {unit['peak_procs']} | {unit['peak_rss_mb']:.0f} | {unit['peak_pss_mb']:.0f} |")

    pool1, pool2 = derived.get("pool-1"), derived.get("pool-2")
    if pool1 and pool2:
        eff = pool2["subs_s"] / (2 * pool1["subs_s"])
        derived["efficiency_1_2"] = eff
        print(f"\nparallel efficiency, --jobs 1 -> 2: {eff:.2f} ({pool2['subs_s']:.3f} / (2 x {pool1['subs_s']:.3f}) "
              "submissions/s)")

    print("\nDask against the pool, per submission (same slots):")
    for k in sorted({f["slots"] for f in figs.values()}):
        p, d = derived.get(f"pool-{k}"), derived.get(f"dask-{k}")
        if not (p and d):
            continue
        fig = figs[f"dask-{k}"]
        over = d["slot_s"] - p["slot_s"]
        derived[f"dask_overhead_{k}"] = over
        sched = fig.get("scheduler_cpu_s")
        print(f"  {k} slot(s): slot-s {p['slot_s']:.2f} pool, {d['slot_s']:.2f} dask: overhead {over * 1000:+.0f} ms "
              f"per task; outside execution_time {(p['slot_s'] - p['mean_exec']) * 1000:.0f} ms (pool) and "
              f"{(d['slot_s'] - d['mean_exec']) * 1000:.0f} ms (dask); CPU {_f(p['cpu'])} s pool, {_f(d['cpu'])} s "
              f"dask, of which client {_f(d['client_cpu'], '.3f')} s "
              f"({_f(fig.get('client_marginal_cpu_s'), '.3f')} s per result, the rest before the first and after the "
              f"last) and scheduler "
              f"{_f(sched / fig['graded'] if sched is not None else None, '.3f')} s; cluster start-up "
              f"{fig['startup_wall_s']:.1f} s wall, {_f(fig['startup_cpu_s'], '.1f')} CPU s (apart); submissions "
              f"per worker {fig.get('per_worker')}")
    cost = extra.get("rebuild")
    if cost:
        print(f"\nrebuilding the reports from the gradebook (the end of every batch, and `autograder report`), CPU s: "
              f"{cost['rebuild_1_cpu_s']:.2f} for 1 record, {cost['rebuild_n_cpu_s']:.2f} for {n}: "
              f"{cost['rebuild_fixed_cpu_s']:.2f} s + {cost['rebuild_per_student_cpu_s']:.3f} s per student")
    return estimate(args, figs, derived)


def estimate(args, figs: dict[str, dict], derived: dict) -> dict:
    """The course's time on --machines x --cores, derived from the per-submission figures measured here."""
    cores_here = len(os.sched_getaffinity(0))
    pools = sorted((figs[k]["slots"], k) for k in figs if k.startswith("pool"))
    if not pools:
        return derived
    # the pool run with one slot per core here (else the most slots measured) stands for a slot of the cluster
    slots_here, base_key = next(((j, k) for j, k in pools if j == cores_here), pools[-1])
    base = derived[base_key]
    slots, students = args.machines * args.cores, args.students
    over_key = f"dask_overhead_{slots_here}"
    over = derived.get(over_key)
    per = base["slot_s"] + max(0.0, over or 0.0)
    spread = students * per / slots
    tail = max(derived[k]["max"] for k in figs)
    p95 = max(derived[k]["p95"] for k in figs)
    dask_keys = [k for k in figs if k.startswith("dask")]
    startup = max((figs[k]["startup_wall_s"] for k in dask_keys), default=0.0)
    print(f"\nestimate: {students} students on {args.machines} machines x {args.cores} cores = {slots} slots "
          "(one single-thread Dask worker per core):")
    eff = derived.get("efficiency_1_2")
    print(f"  per submission, one slot per core: {base['slot_s']:.2f} slot-s ({base_key}: {slots_here} slot(s) on "
          f"{cores_here} core(s) here"
          + (f"; = {derived['pool-1']['slot_s']:.2f} at --jobs 1 / efficiency {eff:.2f}" if eff else "") + ")"
          + (f" + Dask overhead {max(0.0, over):.2f} s per task (dask-{slots_here} against {base_key}: "
             f"{over * 1000:+.0f} ms{', taken as 0' if over < 0 else ''})" if over is not None else
             " (no Dask run with as many workers: no overhead added)")
          + f" = {per:.2f} slot-s")
    print(f"  workers: {students} x {per:.2f} = {students * per:.0f} slot-s over {slots} slots = {spread:.1f} s")
    cpu_key = f"dask-{slots_here}" if (derived.get(f"dask-{slots_here}") or {}).get("cpu") else base_key
    cpu = derived[cpu_key]["cpu"]
    cpu_floor = students * cpu / slots if cpu is not None else None
    if cpu_floor is not None:
        print(f"  CPU: {students} x {cpu:.2f} CPU s ({cpu_key}, the whole tree) = {students * cpu:.0f} CPU s over "
              f"{slots} cores = {cpu_floor:.1f} s (the floor: every core grading all the time, none waiting)")
    client_s = head = rebuild = None
    split = [figs[k] for k in dask_keys if figs[k].get("client_marginal_cpu_s") is not None]
    if split:
        worst = max(split, key=lambda f: f["client_marginal_cpu_s"])
        m, n_here = worst["client_marginal_cpu_s"], worst["graded"]
        head = worst["client_head_cpu_s"] or 0.0
        cost = derived.get("rebuild")
        # a few records give a noisy slope: below zero, the larger of the two measured rebuilds stands for all
        rebuild = ((cost["rebuild_fixed_cpu_s"] + students * cost["rebuild_per_student_cpu_s"]
                    if cost["rebuild_per_student_cpu_s"] > 0 else max(cost["rebuild_1_cpu_s"], cost["rebuild_n_cpu_s"]))
                   if cost else (worst["client_tail_cpu_s"] or 0.0) * students / n_here)
        client_s = students * m
        print(f"  the TA's machine (the Dask client, one result at a time: receives it, scores it, commits it to the "
              f"gradebook, writes the student's files): {m:.3f} CPU s per result = {client_s:.0f} s for {students}, "
              + ("ABOVE the workers' time: the client is the bound" if client_s > spread
                 else "below the workers' time, in parallel with them")
              + f"; before the first result {head:.1f} s (packing the course, the workers' survey); after the last, "
              f"rebuilding the reports, {worst['client_tail_cpu_s'] or 0.0:.1f} s for {n_here} here"
              + (f" (rebuild_reports: {cost['rebuild_fixed_cpu_s']:.2f} s + {cost['rebuild_per_student_cpu_s']:.3f} s "
                 f"per student)" if cost else ", scaled linearly") + f", {rebuild:.0f} s for {students}")
    total = startup + (head or 0.0) + max(spread, client_s or 0.0) + tail + (rebuild or 0.0)
    print(f"  tail: execution_time per submission p95 {p95:.2f} s, max {tail:.2f} s here (this batch has no "
          "looping or crashing submission; a function that never returns costs about one call limit, "
          "1 s for most calls, and "
          "submission_timeout_s bounds one submission); the longest one may start last")
    print(f"  => about {total:.0f} s ({total / 60:.1f} min) = cluster start-up {startup:.1f} s (as here; workers "
          "start in parallel on their machines)" + (f" + client before the first result {head:.1f} s" if split else "")
          + f" + max(workers {spread:.0f} s" + (f", client {client_s:.0f} s" if split else "")
          + f") + the longest submission {tail:.1f} s"
          + (f" + rebuilding the reports {rebuild:.0f} s" if split else ""))
    worker_rss = [u["peak_rss_mb"] for k in dask_keys for name, u in _units(figs[k]) if name.startswith("worker")]
    slot_rss = [u["peak_rss_mb"] for k, f in figs.items() if k.startswith("pool")
                for name, u in _units(f) if name.startswith("slot")]
    grader_rss = max((f["units"][0]["peak_rss_mb"] for k, f in figs.items() if k.startswith("pool")), default=0.0)
    if worker_rss:
        print(f"  memory per machine: {args.cores} x {max(worker_rss):.0f} MB (the largest Dask worker with its "
              f"boxes, peak RSS) = {args.cores * max(worker_rss) / 1024:.1f} GiB")
    if slot_rss:
        print(f"  memory of one {args.cores}-slot local pool: grader process {grader_rss:.0f} MB + {args.cores} x "
              f"{max(slot_rss):.0f} MB (the largest slot: warm box + student) = "
              f"{(grader_rss + args.cores * max(slot_rss)) / 1024:.1f} GiB")
    from autograder.course import Course
    limit = Course(REPO).assignment(args.assignment).budgets.memory_mb
    print(f"  worst case: each student process may grow to its limit, memory_mb {limit} MiB of address space "
          f"(resident memory is less): {args.cores} x {limit} MiB = {args.cores * limit / 1024:.0f} GiB more per "
          "machine")
    print("  assumptions: one slot per core; the time per slot measured here with one slot per core holds with 16 "
          "(no more memory-bandwidth or cache contention); the Dask overhead per task as on localhost (a network "
          "adds its latency); the client as fast as this machine's core; submissions like this batch's")
    derived["estimate"] = {"slots": slots, "per_submission_slot_s": per, "workers_s": spread, "cpu_floor_s": cpu_floor,
                           "client_s": client_s, "client_head_s": head, "rebuild_s": rebuild, "p95_s": p95,
                           "max_s": tail, "startup_s": startup, "total_s": total}
    return derived


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assignment", default="backprop")
    parser.add_argument("--n", type=int, default=40, help="submissions (default 40)")
    parser.add_argument("--jobs", default="1,2", help="local pool --jobs to measure (default 1,2)")
    parser.add_argument("--workers", default="1,2", help="Dask single-thread workers to measure (default 1,2; "
                                                        "empty: no Dask run)")
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--machines", type=int, default=8)
    parser.add_argument("--cores", type=int, default=16)
    parser.add_argument("--sample-s", type=float, default=0.25, help="/proc sampling interval")
    parser.add_argument("--keep", metavar="DIR", help="work in DIR (must not exist) and keep it")
    parser.add_argument("--json", metavar="FILE", help="write every figure here")
    parser.add_argument("--from-json", metavar="FILE", help="measure nothing: print the report of a run saved with "
                                                            "--json, with this command's --students, --machines and "
                                                            "--cores")
    parser.add_argument("--child", choices=("pool", "dask"), help=argparse.SUPPRESS)
    for name in ("--slots", "--subs", "--out", "--result"):
        parser.add_argument(name, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        args.slots = int(args.slots)
        return child(args)

    if args.from_json:
        saved = json.loads(Path(args.from_json).read_text())
        for key in ("assignment", "n", "jobs", "workers"):
            setattr(args, key, saved["args"][key])
        print(f"(the run saved in {args.from_json})")
        report(args, saved["facts"], saved["runs"], {"rebuild": saved.get("rebuild")} if saved.get("rebuild") else {})
        return

    import numpy

    from autograder.sandbox import launcher
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    facts = {"cores": os.cpu_count(), "usable": len(os.sched_getaffinity(0)), "ram_gib": _meminfo_gib(), "cpu": cpu,
             "python": platform.python_version(), "numpy": numpy.__version__, "sandbox": launcher.describe(),
             "git": _git_state(), "load_before": " ".join(f"{x:.2f}" for x in os.getloadavg())}
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-scale-"))
    work.mkdir(parents=True, exist_ok=not args.keep)
    try:
        make_batch(args.assignment, work / "subs", args.n)
        figs = {}
        for j in [int(x) for x in args.jobs.split(",") if x]:
            figs[f"pool-{j}"] = run_config(work, args, "pool", j)
        for w in [int(x) for x in args.workers.split(",") if x]:
            figs[f"dask-{w}"] = run_config(work, args, "dask", w)
        print("  rebuilding the reports, for 1 and for N records ...", file=sys.stderr, flush=True)
        extra = {"rebuild": rebuild_cost(work, args, work / list(figs)[-1], args.n)}
        facts["load_after"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
        saved = {"args": vars(args), "facts": facts, "runs": figs, **extra}
        if args.json:  # before the report, so that a failing report loses no measurement
            Path(args.json).write_text(json.dumps(saved, indent=1, default=str) + "\n")
        derived = report(args, facts, figs, extra)
        if args.json:
            Path(args.json).write_text(json.dumps({**saved, "derived": derived}, indent=1, default=str) + "\n")
        print(f"\ncommand: cd {shlex.quote(str(REPO))} && python3 bench/scale.py --assignment {args.assignment} "
              f"--n {args.n} --jobs {args.jobs} --workers {args.workers}")
    finally:
        if args.keep:
            print(f"work folder kept: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
