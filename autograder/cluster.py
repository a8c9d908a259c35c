"""``autograder grade NAME PATH --cluster ADDRESS``: the batch on a Dask scheduler's workers.

The cluster adds scheduling, not trust: a worker grades a submission with
the same :func:`autograder.grade.run_parts` as the local pool, so the
student's code runs in the same sandbox, and the hidden tests and the
reference solution stay in the worker's trusted process.

What travels, all of it plain data (workers need not share a file system
with the TA's machine):
- to the workers: the course material (``assignments/NAME/`` and
  ``solutions/NAME/`` as one tar, made once per batch and held by one task
  that every grading task depends on, so a worker fetches it once and the
  scheduler makes it again if its holder dies), and per task the
  submission's bytes and which parts to grade;
- back: per task an unscored :class:`autograder.record.Run` as plain data
  (:func:`autograder.cluster_worker.grade_job`, the worker's side).

:class:`DaskExecutor` is the batch's executor (:mod:`autograder.batch`): it
schedules and collects, and the batch loop scores each submission's runs,
records and reports them exactly as for the local pool, one submission at a
time as they arrive, so an interrupted batch resumes like a local one.

GPU parts: when some worker advertises the ``GPU`` resource, a submission
of an assignment with ``runner: gpu`` parts becomes two tasks, its CPU
parts (any worker) and its GPU parts (``resources={"GPU": 1}``); the two
halves' runs are scored together into one record. Without a GPU worker, ``--device auto``
grades the GPU parts on any worker with the CPU settings, as a machine
without CUDA does locally, and ``--device cuda`` is a usage error.

Faults: a task whose worker dies is given to another worker by the
scheduler (up to its ``distributed.scheduler.allowed-failures``, 3 by
default); a task that raised is submitted again under a new key, up to
:data:`ATTEMPTS` times. After that, the submission is recorded as a grader
fault and the batch goes on.
"""

from __future__ import annotations

import dataclasses
import gzip
import io
import queue
import re
import socket
import tarfile
import time
import uuid
from typing import Iterator

from autograder import __version__, devices, record
from autograder.batch import Job
from autograder.config import Assignment
from autograder.cluster_worker import grade_job, identity, worker_info
from autograder.course import Course

ATTEMPTS = 3  # submissions of a task that raised (a dead worker's tasks are retried by the scheduler)
CONNECT_TIMEOUT_S = 30.0
WORKER_WAIT_S = 60.0  # for a first worker; and with every worker gone, before giving up (resumable)
GPU_WAIT_S = 120.0  # GPU tasks pending and no GPU worker left: those submissions become grader faults
POLL_S = 2.0


class ClusterError(RuntimeError):
    """The cluster cannot grade; what was graded is saved and a re-run resumes."""

    def __init__(self, message: str, during_batch: bool = False):
        super().__init__(message)
        self.during_batch = during_batch


# -- the course material, as bytes ---------------------------------------------
def pack_course(assignment: Assignment) -> bytes:
    """``assignments/NAME/`` and ``solutions/NAME/`` as a gzipped tar, byte-identical for the same files."""
    course = Course.of(assignment)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for top in (assignment.root, course.solution_dir(assignment.name)):
            if not top.is_dir():
                continue
            for path in sorted([top, *top.rglob("*")]):
                if "__pycache__" in path.parts or path.suffix == ".pyc" or not (path.is_dir() or path.is_file()):
                    continue
                info = tarfile.TarInfo(str(path.relative_to(course.root)))  # mtime 0, uid 0
                if path.is_dir():
                    info.type, info.mode = tarfile.DIRTYPE, 0o755
                    tar.addfile(info)
                else:  # a symlink's target, as a file
                    data = path.read_bytes()
                    info.size, info.mode = len(data), 0o644
                    tar.addfile(info, io.BytesIO(data))
    return gzip.compress(buf.getvalue(), mtime=0)


def runs_of(payloads: list[dict], sha256: str) -> list[record.Run]:
    """The runs that came back for one submission; refuses a mismatched grader or other bytes than were sent."""
    for p in payloads:
        if p["grader_version"] != __version__:
            raise ClusterError(f"worker {p['worker']} runs autograder {p['grader_version']}, this machine "
                               f"{__version__}")
        if p["sha256"] != sha256:
            raise ClusterError(f"worker {p['worker']} graded other bytes than were sent (sha256 {p['sha256']})")
    return [record.Run.from_dict(p) for p in payloads]


# -- the TA's side ---------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class TaskKind:
    label: str  # "all", "cpu" or "gpu"
    parts: tuple[str, ...] | None  # None: every part
    resources: dict | None
    device: str  # what the worker resolves: auto, cpu or cuda


def _connect(address: str):
    try:
        from distributed import Client
    except ImportError:
        raise ClusterError("--cluster needs dask.distributed: python3 -m pip install 'autograder[cluster]' "
                           "(or 'dask[distributed]')") from None
    _probe(address)
    try:
        return Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ClusterError(f"cannot reach a Dask scheduler at {address} ({type(exc).__name__}: {exc}); "
                           "start one with `dask scheduler` (see docs/cluster.md)") from None


def _probe(address: str) -> None:
    """Fail at once where nothing listens (the client itself retries a refused connection until its timeout)."""
    scheme, _, rest = address.rpartition("://")
    if scheme not in ("", "tcp", "tls"):
        return
    if rest.startswith("["):  # [IPv6]:PORT
        host, _, port = rest[1:].partition("]")
        port = port.lstrip(":") or "8786"
    elif rest.count(":") == 1:
        host, port = rest.split(":")
    else:  # no port: the scheduler's default
        host, port = rest, "8786"
    try:
        socket.create_connection((host, int(port)), timeout=CONNECT_TIMEOUT_S).close()
    except (OSError, ValueError) as exc:
        raise ClusterError(f"cannot reach a Dask scheduler at {address} ({exc}); start one with "
                           "`dask scheduler` and pass the address it prints (see docs/cluster.md)") from None


def _survey(client, address: str) -> tuple[dict, dict]:
    """The workers (scheduler's view) and what each says about itself; refuses a mismatched worker."""
    try:
        client.wait_for_workers(1, timeout=WORKER_WAIT_S)
    except TimeoutError:
        raise ClusterError(f"no worker joined the scheduler at {address} within {WORKER_WAIT_S:g} s: start "
                           f"workers with `dask worker {address}` (see docs/cluster.md)") from None
    infos = client.run(worker_info, on_error="return")
    workers = client.scheduler_info()["workers"]
    for address_, info in infos.items():
        if isinstance(info, BaseException):
            raise ClusterError(f"worker {address_} cannot run the grader ({type(info).__name__}: {info}); "
                               "install this autograder on every worker (see docs/cluster.md)")
        if info["version"] != __version__:
            raise ClusterError(f"worker {address_} ({info['host']}) runs autograder {info['version']}, this "
                               f"machine {__version__}: install the same version on every worker")
    return {a: w for a, w in workers.items() if a in infos}, infos


def _thread_shares(workers: dict, infos: dict) -> dict:
    """Threads a student's process may use: the worker host's cores over the task slots of its workers."""
    per_host: dict[str, int] = {}
    for address, w in workers.items():
        per_host[infos[address]["host"]] = per_host.get(infos[address]["host"], 0) + int(w.get("nthreads", 1))
    return {a: max(1, infos[a]["cores"] // max(1, per_host[infos[a]["host"]])) for a in workers}


def _plan(client, assignment: Assignment, device: str, workers: dict) -> tuple[list[TaskKind], str]:
    """The tasks of one submission, and a phrase for the log about GPU parts."""
    if device not in ("auto", "cpu", "cuda"):
        raise devices.DeviceError(f"unknown device {device!r}: use auto, cpu or cuda")
    gpu_workers = [a for a, w in workers.items() if w.get("resources", {}).get("GPU", 0) >= 1]
    if not assignment.has_gpu_parts:
        return [TaskKind("all", None, None, "cpu")], ""
    if device == "cpu":
        return [TaskKind("all", None, None, "cpu")], "; GPU parts on cpu (--device cpu), on any worker"
    if not gpu_workers:
        if device == "cuda":
            raise devices.DeviceError("--device cuda: no worker of the cluster advertises the GPU resource; "
                                      "start GPU workers with `dask worker ADDRESS --resources GPU=1`")
        return ([TaskKind("all", None, None, "cpu")],
                "; no worker advertises GPU: GPU parts run on any worker with the CPU settings")
    if device == "cuda" and not any(client.run(devices.cuda_available, workers=gpu_workers).values()):
        raise devices.DeviceError("--device cuda: no GPU worker has CUDA (torch.cuda.is_available() is False "
                                  "on each); use --device auto or cpu")
    assignment.dataset("cuda")  # GPU workers grade with the course files of this machine: the data set is here
    cpu_parts = tuple(p.name for p in assignment.parts if p.runner != "gpu")
    gpu_parts = tuple(p.name for p in assignment.parts if p.runner == "gpu")
    kinds = [TaskKind("cpu", cpu_parts, None, "cpu")] if cpu_parts else []
    kinds.append(TaskKind("gpu", gpu_parts, {"GPU": 1}, device))
    return kinds, (f"; GPU parts on the {len(gpu_workers)} GPU worker(s)"
                   + (" (cuda where the worker has it)" if device == "auto" else " (cuda)"))


@dataclasses.dataclass
class _Pending:
    job: Job
    payloads: dict = dataclasses.field(default_factory=dict)  # kind label -> payload
    done: bool = False


class DaskExecutor:
    """:class:`autograder.batch.Executor` over a Dask scheduler's workers.

    ``device`` is the TA's request (auto, cpu or cuda): each worker resolves
    it for itself. ``open`` connects, checks the workers, sends the course
    once and submits every task; ``results`` yields each submission once its
    tasks are all back (or retried out: a grader fault).
    """

    name = "dask"

    def __init__(self, address: str, device: str = "auto"):
        self.address, self.device = address, device
        self.client = None
        self._course = None
        self._live: dict[str, tuple] = {}  # task key -> (future, student, kind label, attempt)
        self._done_q: queue.Queue = queue.Queue()

    def open(self, assignment: Assignment, jobs: list[Job]) -> str:
        self.client = _connect(self.address)
        workers, infos = _survey(self.client, self.address)
        self._kinds, gpu_note = _plan(self.client, assignment, self.device, workers)
        self._shares = _thread_shares(workers, infos)
        self._assignment = assignment
        self._token = uuid.uuid4().hex[:8]
        self._course = self.client.submit(identity, pack_course(assignment),
                                          key=f"autograder-course-{assignment.name}-{self._token}", pure=False)
        self._pending = {job.student: _Pending(job) for job in jobs}
        for student in self._pending:
            for kind in self._kinds:
                self._submit(student, kind, 1)
        sandboxes = sorted({i["sandbox"] for i in infos.values()})
        return (f"on the cluster at {self.address}: {len(workers)} worker(s), "
                f"{sum(int(w.get('nthreads', 1)) for w in workers.values())} thread(s); sandbox "
                + " | ".join(sandboxes) + gpu_note)

    def _submit(self, student: str, kind: TaskKind, attempt: int) -> None:
        job = self._pending[student].job
        task = {"assignment": self._assignment.name, "filename": job.filename, "data": job.data,
                "notes": list(job.notes), "parts": kind.parts, "device": kind.device, "threads": self._shares}
        key = f"autograder-{self._token}-{re.sub(r'[^A-Za-z0-9_.@+-]', '_', student)}-{kind.label}-{attempt}"
        future = self.client.submit(grade_job, task, self._course, key=key, resources=kind.resources, pure=False,
                                    priority=1 if kind.resources else 0)  # GPU workers take GPU parts first
        self._live[key] = (future, student, kind.label, attempt)
        future.add_done_callback(self._done_q.put)

    def _settle(self, student: str) -> Job:
        """The submission is done (graded or a fault): its other tasks are cancelled."""
        p = self._pending[student]
        p.done = True
        for key in [k for k, v in self._live.items() if v[1] == student]:
            self.client.cancel(self._live.pop(key)[0])
        return p.job

    def results(self) -> Iterator[tuple[Job, list[record.Run] | str]]:
        from distributed.scheduler import KilledWorker

        by_label = {k.label: k for k in self._kinds}
        watch = _Watch(self.client, self.address)
        while any(not p.done for p in self._pending.values()):
            try:
                future = self._done_q.get(timeout=POLL_S)
            except queue.Empty:
                for student in watch.check(self._live):
                    if not self._pending[student].done:
                        yield self._settle(student), (f"no worker with the GPU resource was left for {GPU_WAIT_S:g} "
                                                      "s; start one and run the command again")
                continue
            entry = self._live.pop(future.key, None)
            if entry is None:  # cancelled by us, or a stale attempt
                future.release()
                continue
            _, student, label, attempt = entry
            p = self._pending[student]
            error = None
            if future.status == "finished":
                try:
                    p.payloads[label] = future.result()
                except Exception as exc:  # could not be read back
                    error = exc
            elif future.status == "error":
                error = future.exception(timeout=30)
            elif self.client.status != "running":
                raise ClusterError(f"lost the scheduler at {self.address}", during_batch=True)
            else:
                error = RuntimeError(f"the scheduler reported the task {future.status}")
            future.release()
            if error is not None:
                if attempt < ATTEMPTS and not isinstance(error, KilledWorker):
                    self._submit(student, by_label[label], attempt + 1)
                else:
                    yield self._settle(student), f"{type(error).__name__}: {error}"
                continue
            if len(p.payloads) < len(self._kinds):
                continue
            job = self._settle(student)
            try:
                runs = runs_of([p.payloads[k.label] for k in self._kinds], job.sha256)
            except Exception as exc:  # a mismatched worker, or a payload that does not read: a grader fault
                yield job, f"{type(exc).__name__}: {exc}"
                continue
            yield job, runs

    def close(self) -> None:
        if self.client is None:
            return
        if self._live:
            self.client.cancel([v[0] for v in self._live.values()])
            self._live.clear()
        if self._course is not None:
            self.client.cancel(self._course)
        self.client.close(timeout=10)
        self.client = None


class _Watch:
    """Waits that would never end: every worker gone, or GPU tasks with no GPU worker left."""

    def __init__(self, client, address: str):
        self.client, self.address = client, address
        self.no_workers_since: float | None = None
        self.no_gpu_since: float | None = None
        self.last = 0.0

    def check(self, live: dict) -> list[str]:
        """Students whose GPU task can no longer run; raises when no worker is left at all."""
        now = time.monotonic()
        if now - self.last < 5 * POLL_S:
            return []
        self.last = now
        workers = self.client.scheduler_info()["workers"]
        if workers:
            self.no_workers_since = None
        else:
            self.no_workers_since = self.no_workers_since or now
            if now - self.no_workers_since > WORKER_WAIT_S:
                raise ClusterError(f"no worker was left at {self.address} for {WORKER_WAIT_S:g} s",
                                   during_batch=True)
            return []
        waiting = [v[1] for v in live.values() if v[2] == "gpu"]
        if not waiting or any(w.get("resources", {}).get("GPU", 0) >= 1 for w in workers.values()):
            self.no_gpu_since = None
            return []
        self.no_gpu_since = self.no_gpu_since or now
        return waiting if now - self.no_gpu_since > GPU_WAIT_S else []
