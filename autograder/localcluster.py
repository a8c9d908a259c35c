"""A real Dask cluster on this machine, for the tests and the benchmarks.

``dask scheduler`` and ``dask worker`` run as subprocesses, each in its own
process group, exactly as a TA would start them on other machines; every
process they start is killed on :meth:`LocalCluster.close`.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder.cluster import ClusterError


class LocalCluster:
    """A scheduler and workers as subprocesses of this machine (``dask scheduler`` / ``dask worker``),
    each in its own process group; :meth:`close` kills every process they started.

        with LocalCluster(workers=[{}, {"GPU": 1}]) as cluster:
            api.grade_batch(..., cluster=cluster.address)
    """

    def __init__(self, workers: list[dict], folder: str | os.PathLike | None = None, start_timeout_s: float = 60.0,
                 nanny: bool = False):
        self._tmp = tempfile.TemporaryDirectory(prefix="autograder-cluster-") if folder is None else None
        self.folder = Path(folder or self._tmp.name)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.procs: list[subprocess.Popen] = []
        self.worker_procs: list[subprocess.Popen] = []
        self.start_timeout_s = start_timeout_s
        self.address = ""
        self._specs = workers
        self._nanny = nanny
        self.killed: list[subprocess.Popen] = []

    def __enter__(self) -> "LocalCluster":
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _spawn(self, args: list[str], log_name: str) -> subprocess.Popen:
        with open(self.folder / log_name, "wb") as log:
            proc = subprocess.Popen([sys.executable, "-m", *args], cwd=self.folder, stdin=subprocess.DEVNULL,
                                    stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append(proc)
        return proc

    def start(self) -> None:
        scheduler_file = self.folder / "scheduler.json"
        # --idle-timeout and the workers' --death-timeout: processes orphaned by a crash end by themselves
        self._spawn(["distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                     "--idle-timeout", "300", "--scheduler-file", str(scheduler_file)], "scheduler.log")
        deadline = time.monotonic() + self.start_timeout_s
        while not scheduler_file.is_file():
            self._alive_or_raise(deadline)
            time.sleep(0.1)
        import json
        while True:
            try:
                self.address = json.loads(scheduler_file.read_text())["address"]
                break
            except (ValueError, KeyError):
                self._alive_or_raise(deadline)
                time.sleep(0.1)
        for spec in self._specs:
            self.add_worker(spec)
        self.wait_for_workers(len(self._specs), deadline)

    def add_worker(self, resources: dict | None = None, name: str | None = None) -> subprocess.Popen:
        n = len(self.worker_procs)
        args = ["distributed.cli.dask_worker", self.address, "--nworkers", "1", "--nthreads", "1",
                "--no-dashboard", "--host", "127.0.0.1", "--name", name or f"worker-{n}",
                "--local-directory", str(self.folder / f"worker-{n}"), "--death-timeout", "60",
                "--nanny" if self._nanny else "--no-nanny"]
        if resources:
            args += ["--resources", " ".join(f"{k}={v}" for k, v in resources.items())]
        proc = self._spawn(args, f"worker-{n}.log")
        self.worker_procs.append(proc)
        return proc

    def wait_for_workers(self, n: int, deadline: float | None = None) -> None:
        from distributed import Client
        deadline = deadline or time.monotonic() + self.start_timeout_s
        with Client(self.address, timeout=max(1.0, deadline - time.monotonic()), set_as_default=False) as client:
            while len(client.scheduler_info()["workers"]) < n:
                self._alive_or_raise(deadline)
                time.sleep(0.2)

    def workers(self) -> dict:
        """The scheduler's view: {address: {"name", "resources", ...}}."""
        from distributed import Client
        with Client(self.address, timeout=self.start_timeout_s, set_as_default=False) as client:
            return client.scheduler_info()["workers"]

    def _alive_or_raise(self, deadline: float) -> None:
        dead = [p for p in self.procs if p.poll() is not None and p not in self.killed]
        if dead or time.monotonic() > deadline:
            logs = "\n".join(f"--- {p.name}\n{p.read_text()[-2000:]}" for p in sorted(self.folder.glob("*.log")))
            raise ClusterError(f"the local cluster did not start ({'a process exited' if dead else 'timed out'})"
                               f"\n{logs}")

    def kill_worker(self, proc: subprocess.Popen) -> None:
        """SIGKILL a worker and everything it started, as a machine dying would."""
        self.killed.append(proc)
        _kill_tree(proc)

    def close(self) -> None:
        for proc in reversed(self.procs):
            _kill_tree(proc)
        self.procs.clear()
        if self._tmp is not None:
            self._tmp.cleanup()


def _kill_tree(proc: subprocess.Popen) -> None:
    """Kill ``proc``, its process group and every descendant (sandboxes run in sessions of their own)."""
    import signal
    try:
        import psutil
        descendants = [c.pid for c in psutil.Process(proc.pid).children(recursive=True)]
    except Exception:  # gone already, or no psutil
        descendants = []
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    for pid in descendants:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)
