"""``autograder grade NAME PATH --cluster ADDRESS``: the batch on a Dask scheduler's workers.

The cluster adds scheduling, not trust: a worker grades a submission with
the same :func:`autograder.grade.grade_submission` as the local pool, so the
student's code runs in the same sandbox, and the hidden tests and the
reference solution stay in the worker's trusted process.

What travels, all of it plain data (workers need not share a file system
with the TA's machine):
- to the workers: the course material (``assignments/NAME/`` and
  ``solutions/NAME/`` as one tar, made once per batch and held by one task
  that every grading task depends on, so a worker fetches it once and the
  scheduler makes it again if its holder dies), and per task the
  submission's bytes and which parts to grade;
- back: per task the test outcomes, notes, printed output and sandbox
  layers (:func:`grade_job`).

The TA's process scores them with the rubric, builds results.json and
feedback.md with the same functions as a local run, and records them in the
same gradebook (:func:`autograder.api.save_result`), one submission at a
time as they arrive: an interrupted batch resumes like a local one.

GPU parts: when some worker advertises the ``GPU`` resource, a submission
of an assignment with ``runner: gpu`` parts becomes two tasks, its CPU
parts (any worker) and its GPU parts (``resources={"GPU": 1}``); the two
halves are merged into one result. Without a GPU worker, ``--device auto``
grades the GPU parts on any worker with the CPU settings, as a machine
without CUDA does locally, and ``--device cuda`` is a usage error.

Faults: a task whose worker dies is given to another worker by the
scheduler (up to its ``distributed.scheduler.allowed-failures``, 3 by
default); a task that raised is submitted again under a new key, up to
:data:`ATTEMPTS` times. After that, the submission is recorded as a grader
fault and the batch goes on.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import gzip
import hashlib
import io
import os
import queue
import re
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import uuid
from pathlib import Path

from autograder import __version__, config, devices, report, score
from autograder.grade import SubmissionResult, grade_submission
from autograder.suite import TestOutcome

ATTEMPTS = 3  # submissions of a task that raised (a dead worker's tasks are retried by the scheduler)
CONNECT_TIMEOUT_S = 30.0
WORKER_WAIT_S = 60.0  # for a first worker; and with every worker gone, before giving up (resumable)
GPU_WAIT_S = 120.0  # GPU tasks pending and no GPU worker left: those submissions become grader faults
POLL_S = 2.0
SLOTS = 64  # sandbox slots (uids) per host, shared by every worker process of the host
RUNNER_NAME = "dask"


class ClusterError(RuntimeError):
    """The cluster cannot grade; what was graded is saved and a re-run resumes."""

    def __init__(self, message: str, during_batch: bool = False):
        super().__init__(message)
        self.during_batch = during_batch


# -- the course material, as bytes ---------------------------------------------
def pack_course(assignment: config.Assignment) -> bytes:
    """``assignments/NAME/`` and ``solutions/NAME/`` as a gzipped tar, byte-identical for the same files."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for top in (assignment.root, assignment.solution_dir):
            if not top.is_dir():
                continue
            for path in sorted([top, *top.rglob("*")]):
                if "__pycache__" in path.parts or path.suffix == ".pyc" or not (path.is_dir() or path.is_file()):
                    continue
                info = tarfile.TarInfo(str(path.relative_to(assignment.course_root)))  # mtime 0, uid 0
                if path.is_dir():
                    info.type, info.mode = tarfile.DIRTYPE, 0o755
                    tar.addfile(info)
                else:  # a symlink's target, as a file
                    data = path.read_bytes()
                    info.size, info.mode = len(data), 0o644
                    tar.addfile(info, io.BytesIO(data))
    return gzip.compress(buf.getvalue(), mtime=0)


_course_lock = threading.Lock()
_course_roots: dict[str, Path] = {}
_assignments: dict[tuple[str, str], config.Assignment] = {}
_reference_of: dict[str, str] = {}  # assignment name -> course sha whose reference this process holds


def _course_root(blob: bytes) -> tuple[str, Path]:
    """Where this host keeps the unpacked course (once per content, shared by its worker processes)."""
    sha = hashlib.sha256(blob).hexdigest()
    with _course_lock:
        root = _course_roots.get(sha)
        if root is not None and root.is_dir():
            return sha, root
        base = Path(tempfile.gettempdir()) / f"autograder-courses-{os.getuid()}"
        base.mkdir(mode=0o700, exist_ok=True)
        root = base / sha[:32]
        if not root.is_dir():
            tmp = Path(tempfile.mkdtemp(prefix=".unpack-", dir=base))
            with tarfile.open(fileobj=io.BytesIO(gzip.decompress(blob))) as tar:
                tar.extractall(tmp, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
            try:
                os.rename(tmp, root)
            except OSError:  # another worker of this host unpacked it first
                shutil.rmtree(tmp, ignore_errors=True)
        _course_roots[sha] = root
        return sha, root


def _assignment(name: str, blob: bytes) -> config.Assignment:
    sha, root = _course_root(blob)
    with _course_lock:
        if (name, sha) not in _assignments:
            _assignments[(name, sha)] = config.find(name, root)
        if _reference_of.get(name) != sha:  # a new version of the course: its own reference solution
            from autograder import grade
            with grade._reference_lock:
                grade._references.pop(name, None)
            _reference_of[name] = sha
        return _assignments[(name, sha)]


@contextlib.contextmanager
def _slot():
    """A sandbox slot (its uid) no other grading on this host holds: a lock file per slot."""
    base = Path(tempfile.gettempdir()) / f"autograder-slots-{os.getuid()}"
    base.mkdir(mode=0o700, exist_ok=True)
    while True:
        for slot in range(SLOTS):
            fd = os.open(base / str(slot), os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            try:
                yield slot
            finally:
                os.close(fd)  # releases the lock (and a killed process's lock goes with it)
            return
        time.sleep(0.2)


# -- what runs on a worker -------------------------------------------------------
def _identity(value):
    return value


def worker_info() -> dict:
    """What the TA's process checks before sending work (run on every worker)."""
    from autograder.api import usable_cores
    from autograder.sandbox import launcher
    return {"version": __version__, "sandbox": launcher.describe(), "cores": usable_cores(),
            "host": socket.gethostname(), "python": sys.version.split()[0]}


def grade_job(job: dict, course: bytes) -> dict:
    """Grade one submission's parts on this worker; plain data back (see the module's docstring)."""
    from distributed import get_worker
    worker = get_worker()
    assignment = _assignment(job["assignment"], course)
    device = devices.resolve(job["device"], assignment)  # 'auto': cuda where this worker has it
    parts = job["parts"]
    with _slot() as slot:
        result = grade_submission(assignment, job["student"], job["filename"], job["data"], slot=slot,
                                  notes=tuple(job["notes"]), device=device,
                                  threads=job["threads"].get(worker.address, 1), parts=parts)
    return payload(result, parts, device, worker.address)


def payload(result: SubmissionResult, parts, device: str, worker: str) -> dict:
    """What a task sends back: plain values only (no live objects, nothing of the course)."""
    return {"version": __version__, "worker": worker, "host": socket.gethostname(), "device": device,
            "parts": list(parts) if parts is not None else [p.name for p in result.assignment.parts],
            "filename": result.filename, "sha256": result.sha256,
            "outcomes": [dataclasses.asdict(o) for o in result.outcomes], "notes": list(result.notes),
            "printed": result.printed, "mechanisms": list(result.mechanisms),
            "execution_time_s": result.execution_time_s}


# -- the TA's side ---------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class TaskKind:
    label: str  # "all", "cpu" or "gpu"
    parts: tuple[str, ...] | None  # None: every part
    resources: dict | None
    device: str  # what the worker resolves: auto, cpu or cuda


def merge(assignment: config.Assignment, student: str, payloads: list[dict],
          sha256: str | None = None) -> tuple[SubmissionResult, dict]:
    """One submission's result from its tasks' payloads, and its results.json (workers per part in extra_data);
    ``sha256``: of the bytes sent, which every task must have graded."""
    for p in payloads:
        if p["version"] != __version__:
            raise ClusterError(f"worker {p['worker']} runs autograder {p['version']}, this machine {__version__}")
        if p["sha256"] != (sha256 or payloads[0]["sha256"]):
            raise ClusterError(f"worker {p['worker']} graded other bytes than were sent (sha256 {p['sha256']})")
    outcomes = [TestOutcome(**o) for p in payloads for o in p["outcomes"]]
    notes = list(dict.fromkeys(n for p in payloads for n in p["notes"]))
    mechanisms = list(dict.fromkeys(m for p in payloads for m in p["mechanisms"]))
    printed = payloads[0]["printed"]
    for p in payloads[1:]:  # each task loaded the code: what it printed while loading is shown once
        common = os.path.commonprefix([printed, p["printed"]])
        printed += p["printed"][len(common):]
    part_devices, workers = {}, {}
    for p in payloads:
        for name in p["parts"]:
            part_devices[name] = devices.for_part(assignment.part(name).runner, p["device"])
            workers[name] = p["worker"]
    device = next((p["device"] for p in payloads for name in p["parts"] if assignment.part(name).runner == "gpu"),
                  "cpu")
    extra = {"device": device, "part_devices": part_devices,
             "part_budgets": {p: assignment.settings(d).get("budget_s") for p, d in part_devices.items()
                              if assignment.settings(d).get("budget_s") is not None}}
    result = SubmissionResult(
        assignment=assignment, student=student, filename=payloads[0]["filename"], sha256=payloads[0]["sha256"],
        parts=tuple(score.score(assignment, outcomes)), notes=tuple(notes), printed=printed,
        mechanisms=tuple(mechanisms), execution_time_s=sum(p["execution_time_s"] for p in payloads), extra=extra)
    results = report.results_json(result, runner_name=RUNNER_NAME)
    results["extra_data"]["workers"] = workers
    return result, results


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


def _plan(client, assignment: config.Assignment, device: str, workers: dict) -> tuple[list[TaskKind], str]:
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
    cpu_parts = tuple(p.name for p in assignment.parts if p.runner != "gpu")
    gpu_parts = tuple(p.name for p in assignment.parts if p.runner == "gpu")
    kinds = [TaskKind("cpu", cpu_parts, None, "cpu")] if cpu_parts else []
    kinds.append(TaskKind("gpu", gpu_parts, {"GPU": 1}, device))
    return kinds, (f"; GPU parts on the {len(gpu_workers)} GPU worker(s)"
                   + (" (cuda where the worker has it)" if device == "auto" else " (cuda)"))


@dataclasses.dataclass
class _Pending:
    sub: object  # ingest.Submission
    data: bytes
    payloads: dict = dataclasses.field(default_factory=dict)  # kind label -> payload
    done: bool = False


def grade_todo(assignment: config.Assignment, todo: list, skipped: int, out: Path, book, address: str,
               device: str, log) -> tuple[list[SubmissionResult], list[str]]:
    """Grade ``todo`` ([(ingest.Submission, bytes)]) on the cluster; records like the local pool
    (called by :func:`autograder.api.grade_batch`, which found ``todo`` and opened ``book``)."""
    from tqdm import tqdm

    from autograder import api
    from distributed.scheduler import KilledWorker

    started = time.monotonic()
    client = _connect(address)
    results: list[SubmissionResult] = []
    faults: list[str] = []
    if not todo:
        client.close(timeout=10)
        print(f"grading 0 submission(s) of {assignment.name} ({skipped} unchanged, skipped): nothing to send to "
              f"the cluster at {address}", file=log)
        api.finish_batch(out, book, assignment, 0, skipped, 0, started, log)
        return results, faults
    live: dict[str, tuple] = {}  # task key -> (future, student, kind, attempt)
    try:
        workers, infos = _survey(client, address)
        kinds, gpu_note = _plan(client, assignment, device, workers)
        shares = _thread_shares(workers, infos)
        blob = pack_course(assignment)
        token = uuid.uuid4().hex[:8]
        course = client.submit(_identity, blob, key=f"autograder-course-{assignment.name}-{token}", pure=False)
        sandboxes = sorted({i["sandbox"] for i in infos.values()})
        print(f"grading {len(todo)} submission(s) of {assignment.name} ({skipped} unchanged, skipped) on the "
              f"cluster at {address}: {len(workers)} worker(s), "
              f"{sum(int(w.get('nthreads', 1)) for w in workers.values())} thread(s); sandbox "
              + " | ".join(sandboxes) + gpu_note, file=log)
        pending = {sub.student: _Pending(sub, data) for sub, data in todo}
        done_q: queue.Queue = queue.Queue()
        by_label = {k.label: k for k in kinds}

        def submit(student: str, kind: TaskKind, attempt: int) -> None:
            p = pending[student]
            job = {"assignment": assignment.name, "student": student, "filename": p.sub.name, "data": p.data,
                   "notes": [p.sub.note] if p.sub.note else [], "parts": kind.parts, "device": kind.device,
                   "threads": shares}
            key = f"autograder-{token}-{re.sub(r'[^A-Za-z0-9_.@+-]', '_', student)}-{kind.label}-{attempt}"
            future = client.submit(grade_job, job, course, key=key, resources=kind.resources, pure=False,
                                   priority=1 if kind.resources else 0)  # GPU workers take GPU parts first
            live[key] = (future, student, kind.label, attempt)
            future.add_done_callback(done_q.put)

        def settle_fault(student: str, why: str) -> None:
            p = pending[student]
            p.done = True
            stale = [k for k, v in live.items() if v[1] == student]
            for key in stale:
                client.cancel(live.pop(key)[0])
            faults.append(api.save_fault(book, assignment, student, p.data, why))
            bar.set_postfix(faults=len(faults), refresh=False)
            bar.update(1)

        with tqdm(total=len(todo), file=log, unit="sub", dynamic_ncols=True, mininterval=1.0) as bar:
            for student in pending:
                for kind in kinds:
                    submit(student, kind, 1)
            watch = _Watch(client, address)
            while any(not p.done for p in pending.values()):
                try:
                    future = done_q.get(timeout=POLL_S)
                except queue.Empty:
                    for student in watch.check(live):
                        if not pending[student].done:
                            settle_fault(student, f"no worker with the GPU resource was left for "
                                                  f"{GPU_WAIT_S:g} s; start one and run the command again")
                    continue
                entry = live.pop(future.key, None)
                if entry is None:  # cancelled by us, or a stale attempt
                    future.release()
                    continue
                _, student, label, attempt = entry
                p = pending[student]
                error = None
                if future.status == "finished":
                    try:
                        p.payloads[label] = future.result()
                    except Exception as exc:  # could not be read back
                        error = exc
                elif future.status == "error":
                    error = future.exception(timeout=30)
                elif client.status != "running":
                    raise ClusterError(f"lost the scheduler at {address}", during_batch=True)
                else:
                    error = RuntimeError(f"the scheduler reported the task {future.status}")
                future.release()
                if error is not None:
                    why = f"{type(error).__name__}: {error}"
                    if attempt < ATTEMPTS and not isinstance(error, KilledWorker):
                        submit(student, by_label[label], attempt + 1)
                    else:
                        settle_fault(student, why)
                    continue
                if len(p.payloads) < len(kinds):
                    continue
                try:
                    result, results_dict = merge(assignment, student, [p.payloads[k.label] for k in kinds],
                                                 hashlib.sha256(p.data).hexdigest())
                    api.save_result(book, out, result, results_dict, report.feedback_md(result))
                except Exception as exc:  # a grader fault: recorded, the batch goes on
                    settle_fault(student, f"{type(exc).__name__}: {exc}")
                    continue
                p.done = True
                results.append(result)
                bar.set_postfix(faults=len(faults), refresh=False)
                bar.update(1)
        client.cancel(course)
    except (KeyboardInterrupt, ClusterError) as exc:
        if isinstance(exc, KeyboardInterrupt) or exc.during_batch:
            print(f"{'interrupted' if isinstance(exc, KeyboardInterrupt) else exc}: {len(results)} graded in this "
                  f"run are saved in {book.path}; run the same command again to resume", file=log)
        raise
    finally:
        if live:
            client.cancel([v[0] for v in live.values()])
        client.close(timeout=10)
    api.finish_batch(out, book, assignment, len(results), skipped, len(faults), started, log)
    return results, faults


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


# -- a real local cluster, for the tests and the benchmark ------------------------
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
        env = {k: v for k, v in os.environ.items() if k != "AUTOGRADER_COURSE"}  # workers get the course as bytes
        with open(self.folder / log_name, "wb") as log:
            proc = subprocess.Popen([sys.executable, "-m", *args], cwd=self.folder, env=env, stdin=subprocess.DEVNULL,
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
