"""Per-student cgroups: aggregate memory, task count and CPU rate, and an
atomic kill of every process of the run.

Root only. This machine has the hybrid layout (v1 controllers under
/sys/fs/cgroup/{memory,pids,cpu}, a v2 tree under /sys/fs/cgroup/unified for
``cgroup.kill``); a pure v2 machine gets the same limits from one v2 group
(``memory.max``, ``pids.max``, ``cpu.max``). The student's process joins its
groups through a one-line shell wrapper before ``exec``, so nothing of the
student ever runs outside them.
"""

from __future__ import annotations

import functools
import os
import shlex
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
PREFIX = "autograder"
CPU_PERIOD_US = 100_000


@dataclass
class RunGroups:
    """The groups of one student process; ``kill()`` then ``remove()`` when done."""

    join_dirs: list[Path]
    kill_dir: Path | None
    memory_dir: Path | None = None
    all_dirs: list[Path] = field(default_factory=list)

    def wrap(self, argv: list[str]) -> list[str]:
        """``argv`` started from a shell that first moves itself into every group."""
        joins = "; ".join(f"echo $$ > {shlex.quote(str(d / 'cgroup.procs'))}" for d in self.join_dirs)
        return ["/bin/sh", "-c", f"{joins} || exit 125; exec \"$@\"", "sh", *argv]

    def kill(self) -> None:
        if self.kill_dir is not None:
            _write(self.kill_dir / "cgroup.kill", "1")

    def oom_killed(self) -> bool:
        """Whether the memory limit killed something in this run."""
        return self.oom_count() > 0

    def oom_count(self) -> int:
        """How many times the memory limit killed something in these groups (a warm box runs many jobs)."""
        for name in ("memory.events", "memory.oom_control"):
            path = (self.memory_dir or Path("/nonexistent")) / name
            try:
                text = path.read_text()
            except OSError:
                continue
            for line in text.splitlines():
                key, _, value = line.partition(" ")
                if key in ("oom_kill", "oom") and value.strip().isdigit():
                    return int(value)
        return 0

    def remove(self) -> None:
        """rmdir can need retries while the kernel reaps (1 to 3 ms after a kill here, up to ~100 ms): done
        in the background, by a non-daemon thread so that exiting waits for it."""
        threading.Thread(target=_remove_all, args=(list(self.all_dirs),)).start()


def _write(path: Path, value: str) -> bool:
    try:
        path.write_text(value)
        return True
    except OSError:
        return False


def _remove_all(dirs: list[Path], patience_s: float = 2.5) -> None:
    """rmdir each, retrying for up to ``patience_s`` while it is busy: at once, then after 1, 2, 4 ... ms,
    then every 50 ms (a check waits for this as it exits: a first retry after 50 ms cost it 50 ms)."""
    for d in dirs:
        delay, waited = 0.001, 0.0
        while True:
            try:
                d.rmdir()
                break
            except FileNotFoundError:
                break
            except OSError:
                if waited >= patience_s:
                    break
                time.sleep(delay)
                waited += delay
                delay = min(0.05, delay * 2)


@functools.lru_cache(maxsize=None)
def probe() -> tuple[str, str]:
    """('v1' | 'v2' | 'none', reason): which layout this process can use."""
    if os.geteuid() != 0:
        return "none", "not running as root (an unprivileged user cannot create cgroups here)"
    if (ROOT / "cgroup.controllers").is_file():
        controllers = (ROOT / "cgroup.controllers").read_text().split()
        missing = {"memory", "pids", "cpu"} - set(controllers)
        if missing:
            return "none", f"cgroup v2 without the {', '.join(sorted(missing))} controller(s)"
        return _try("v2")
    if all((ROOT / c).is_dir() for c in ("memory", "pids", "cpu")):
        return _try("v1")
    return "none", "no usable cgroup hierarchy under /sys/fs/cgroup"


def sweep(max_age_s: float = 3600, orphan_age_s: float = 10) -> int:
    """Remove empty run groups left by a grader that was killed; returns how many went.

    A group is named after the grader that made it (``run-<pid>-<id>``): once
    that process is gone its empty groups go at once (a few seconds of grace
    for a group being joined); groups of unknown owner after ``max_age_s``.
    """
    removed = 0
    now = time.time()
    for parent in [ROOT / PREFIX, *(ROOT / c / PREFIX for c in ("memory", "pids", "cpu", "unified"))]:
        for d in parent.glob("run-*") if parent.is_dir() else []:
            try:
                age = now - d.stat().st_mtime
                if age > (orphan_age_s if _owner_gone(d.name) else max_age_s) \
                        and not (d / "cgroup.procs").read_text().strip():
                    d.rmdir()
                    removed += 1
            except OSError:
                continue
    return removed


def _owner_gone(name: str) -> bool:
    pid = name.split("-")[1] if name.count("-") == 2 else ""
    return pid.isdigit() and process_gone(int(pid))


def process_gone(pid: int) -> bool:
    """Whether no process has this pid (then what it named after itself is an orphan)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def _try(layout: str) -> tuple[str, str]:
    sweep()
    try:
        groups = create(layout, memory_bytes=64 * 1024**2, pids=8, cpus=1.0)
    except OSError as exc:
        return "none", f"cgroup {layout} is mounted but not writable ({exc.strerror})"
    groups.kill()
    _remove_all(groups.all_dirs)
    return layout, "ok"


def _parent(path: Path) -> Path:
    path.mkdir(exist_ok=True)
    return path


def create(layout: str, memory_bytes: int, pids: int, cpus: float) -> RunGroups:
    """Make the groups of one run with its limits."""
    name = f"run-{os.getpid()}-{uuid.uuid4().hex[:12]}"
    quota = f"{int(cpus * CPU_PERIOD_US)} {CPU_PERIOD_US}"
    if layout == "v2":
        parent = _parent(ROOT / PREFIX)
        _write(parent / "cgroup.subtree_control", "+memory +pids +cpu")
        d = parent / name
        d.mkdir()
        for file, value in (("memory.max", str(memory_bytes)), ("memory.swap.max", "0"), ("pids.max", str(pids)),
                            ("cpu.max", quota)):
            _write(d / file, value)
        return RunGroups([d], d, d, [d])
    dirs = {}
    for controller in ("memory", "pids", "cpu"):
        d = _parent(ROOT / controller / PREFIX) / name
        d.mkdir()
        dirs[controller] = d
    if not _write(dirs["memory"] / "memory.limit_in_bytes", str(memory_bytes)):
        raise OSError(1, "memory.limit_in_bytes could not be set")
    _write(dirs["memory"] / "memory.memsw.limit_in_bytes", str(memory_bytes))
    _write(dirs["pids"] / "pids.max", str(pids))
    _write(dirs["cpu"] / "cpu.cfs_period_us", str(CPU_PERIOD_US))
    _write(dirs["cpu"] / "cpu.cfs_quota_us", str(int(cpus * CPU_PERIOD_US)))
    joins = list(dirs.values())
    kill_dir = None
    unified = ROOT / "unified"
    if (unified / "cgroup.procs").is_file():
        try:
            kill_dir = _parent(unified / PREFIX) / name
            kill_dir.mkdir()
            joins.append(kill_dir)
        except OSError:
            kill_dir = None
    return RunGroups(joins, kill_dir, dirs["memory"], joins)
