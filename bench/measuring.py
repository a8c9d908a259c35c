"""Measuring a command's process tree: wall time, CPU of the whole tree, peak memory, the machine's load.

Shared by the benchmarks (bench/compare_nbgrader.py, bench/scale.py):

- ``measure(cmd, ...)`` runs a command in its own cpuacct cgroup (root, cgroup
  v1; the sandbox moves student processes into its own memory/pids/cpu groups
  but leaves cpuacct alone, so killed sandbox processes count too; elsewhere
  wait4's figure, which misses them), samples the tree's memory from /proc,
  and the CPU that other processes of the machine used meanwhile;
- ``TreeSampler`` the peak RSS/PSS sums of a process tree, and with
  ``units`` of each part of it (the root process, each child's subtree);
- ``own_cpuacct_seconds`` read inside the command: the CPU of its cgroup so
  far, to time a stretch of it; ``process_cpu_seconds`` one process's CPU;
- ``pct`` and ``summary`` small statistics.

Figures are measured, never asserted.
"""

from __future__ import annotations

import os
import re
import shlex
import statistics
import subprocess
import threading
import time
from pathlib import Path

SMAPS_LINE = re.compile(r"^(\w+):\s+(\d+) kB$", re.M)

def _children_map() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(b")", 1)[1].split()[1])
        kids.setdefault(ppid, []).append(int(entry.name))
    return kids


def _subtree(kids: dict[int, list[int]], root: int) -> list[int]:
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(kids.get(pid, []))
    return out


def _tree(root: int) -> list[int]:
    return _subtree(_children_map(), root)


def _rss_pss(pid: int) -> tuple[int, int]:
    """(RSS, PSS) in bytes, 0 for a process that is gone."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            values = dict(m.groups() for m in SMAPS_LINE.finditer(fh.read()))
        return int(values["Rss"]) * 1024, int(values["Pss"]) * 1024
    except (OSError, KeyError, ValueError):
        return 0, 0


def _uid(pid: int) -> int | None:
    """The real uid of a process (None when it is gone): the sandbox's slots run students under uids of their own."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            return int(next(line for line in fh if line.startswith("Uid:")).split()[1])
    except (OSError, StopIteration, ValueError, IndexError):
        return None


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of one process (all its threads, not its children); None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            fields = fh.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def own_cpuacct_seconds() -> float | None:
    """CPU seconds of the cpuacct cgroup ``measure`` put this command in (a ``CpuGroup``), None outside one (a
    group of the system's would count other processes): read at two moments inside the command, it gives the CPU
    of a stretch of it, every process of the group (sandboxed and killed ones included) counted."""
    try:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            if "cpuacct" in controllers.split(",") and Path(path).name.startswith("bench-"):
                return int((CpuGroup.ROOT / path.lstrip("/") / "cpuacct.usage").read_text()) / 1e9
    except (OSError, ValueError):
        pass
    return None


class TreeSampler(threading.Thread):
    """Peak RSS/PSS sum and process count of a process tree, and the load average.

    With ``units``, also the peaks of each *unit* of the tree, summed over the
    unit's processes at each sample: the root process alone, and the subtree
    of each of the root's children (for our grader: the grader process, and
    each warm box with its student process; under a Dask client: the
    scheduler, and each worker with its boxes). ``unit_peaks`` maps each
    unit's head pid to its command line, the uids seen in it, and its peaks.
    """

    def __init__(self, root: int, interval: float, units: bool = False):
        super().__init__(daemon=True)
        self.root, self.interval, self.units = root, interval, units
        self.peak_rss = self.peak_pss = self.peak_procs = 0
        self.unit_peaks: dict[int, dict] = {}
        self.loads: list[float] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            kids = _children_map()
            pids = _subtree(kids, self.root)
            sizes = {p: _rss_pss(p) for p in pids}
            self.peak_rss = max(self.peak_rss, sum(s[0] for s in sizes.values()))
            self.peak_pss = max(self.peak_pss, sum(s[1] for s in sizes.values()))
            self.peak_procs = max(self.peak_procs, len(pids))
            if self.units:
                heads = [(self.root, [self.root])] + [(c, _subtree(kids, c)) for c in kids.get(self.root, [])]
                for head, members in heads:
                    unit = self.unit_peaks.setdefault(head, {"cmd": "", "uids": set(), "rss": 0, "pss": 0,
                                                             "procs": 0})
                    unit["cmd"] = _cmdline(head) or unit["cmd"]  # the latest: a child is first seen before its exec
                    unit["rss"] = max(unit["rss"], sum(sizes.get(p, (0, 0))[0] for p in members))
                    unit["pss"] = max(unit["pss"], sum(sizes.get(p, (0, 0))[1] for p in members))
                    unit["procs"] = max(unit["procs"], len(members))
                    unit["uids"].update(u for u in map(_uid, members) if u is not None)
            self.loads.append(os.getloadavg()[0])
            self.done.wait(self.interval)


def _machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    hz = os.sysconf("SC_CLK_TCK")
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    total = sum(fields[:8])  # guest time is already inside user
    return (total - idle) / hz, total / hz


class CpuGroup:
    """A cpuacct cgroup (v1) for the command: its CPU time, sandboxed and killed processes included.

    The sandbox moves student processes into its own memory/pids/cpu groups but
    not cpuacct, so everything the command starts stays counted here. Without
    root or a cpuacct hierarchy, ``wrap`` is a no-op and ``seconds`` is None
    (then wait4's figure is all there is; it misses processes that are killed
    rather than reaped, such as a timed-out student process).
    """

    ROOT = Path("/sys/fs/cgroup/cpuacct")

    def __init__(self, label: str):
        self.path = self.ROOT / f"bench-{os.getpid()}-{label}"
        try:
            self.path.mkdir()
        except OSError:
            self.path = None

    def wrap(self, cmd: list[str]) -> list[str]:
        if self.path is None:
            return cmd
        join = f"echo $$ > {shlex.quote(str(self.path / 'cgroup.procs'))} || exit 125; exec \"$@\""
        return ["/bin/sh", "-c", join, "sh", *cmd]

    def seconds(self) -> float | None:
        try:
            return int((self.path / "cpuacct.usage").read_text()) / 1e9 if self.path else None
        except OSError:
            return None

    def remove(self) -> None:
        for _ in range(50):
            try:
                if self.path:
                    self.path.rmdir()
                return
            except OSError:
                time.sleep(0.1)


def measure(cmd: list[str], cwd: Path, env: dict, log_path: Path, interval: float, on_line=None,
            units: bool = False) -> dict:
    """Run ``cmd``; its wall time, the tree's memory and CPU, and its exit status. Output goes to ``log_path``.

    ``units``: also each unit's peak memory (``TreeSampler``), under "units": a list of {"pid", "cmd", "uids",
    "peak_rss_mb", "peak_pss_mb", "peak_procs"}, the command's own process first."""
    load_before = os.getloadavg()
    group = CpuGroup(log_path.stem)
    machine_before = _machine_cpu()
    started = time.monotonic()
    with log_path.open("w") as log:
        proc = subprocess.Popen(group.wrap(cmd), cwd=cwd, env=env, stdout=log, stderr=subprocess.PIPE, text=True,
                                bufsize=1)
        sampler = TreeSampler(proc.pid, interval, units)
        sampler.start()

        def pump():
            for line in proc.stderr:
                now = time.monotonic() - started
                log.write(line)
                if on_line:
                    on_line(now, line)

        reader = threading.Thread(target=pump, daemon=True)
        reader.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        machine_after = _machine_cpu()
        reader.join()
        sampler.done.set()
        sampler.join()
    time.sleep(0.5)  # let killed processes leave the group before the last reading
    tree_cpu = group.seconds()
    group.remove()
    wait4_cpu = usage.ru_utime + usage.ru_stime
    cpu = tree_cpu if tree_cpu is not None else wait4_cpu
    machine_busy = machine_after[0] - machine_before[0]
    return {"wall_s": wall, "rc": proc.returncode, "cpu_s": cpu, "cpu_source": "cpuacct" if tree_cpu is not None
            else "wait4", "wait4_cpu_s": wait4_cpu, "maxrss_mb": usage.ru_maxrss / 1024,
            "peak_tree_rss_mb": sampler.peak_rss / 2**20, "peak_tree_pss_mb": sampler.peak_pss / 2**20,
            "peak_procs": sampler.peak_procs, "machine_busy_cores": machine_busy / wall,
            "others_busy_cores": max(0.0, machine_busy - cpu) / wall,
            "load_before": load_before, "load_during": summary(sampler.loads), "load_after": os.getloadavg(),
            **({"units": [{"pid": pid, "cmd": u["cmd"], "uids": sorted(u["uids"]), "peak_rss_mb": u["rss"] / 2**20,
                           "peak_pss_mb": u["pss"] / 2**20, "peak_procs": u["procs"]}
                          for pid, u in sampler.unit_peaks.items()]} if units else {})}


def summary(values: list[float]) -> dict:
    if not values:
        return {}
    return {"min": min(values), "mean": statistics.fmean(values), "max": max(values)}


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..1); nan for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]
