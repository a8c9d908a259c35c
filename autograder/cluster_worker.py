"""What runs on a Dask worker for ``grade --cluster`` (see :mod:`autograder.cluster`).

The worker receives the course as bytes (:func:`autograder.cluster.pack_course`)
and unpacks it once per content and host; each task grades some parts of one
submission with the same :func:`autograder.grade.run_parts` as the local pool,
in a sandbox slot no other grading on the host holds, and sends back the
unscored run as plain data. This module imports nothing of the TA's side.
"""

from __future__ import annotations

import contextlib
import fcntl
import gzip
import hashlib
import io
import os
import shutil
import socket
import sys
import tarfile
import tempfile
import threading
import time
from pathlib import Path

from autograder import __version__, devices, grade
from autograder.config import Assignment
from autograder.course import Course

SLOTS = 64  # sandbox slots (uids) per host, shared by every worker process of the host


_course_lock = threading.Lock()
_course_roots: dict[str, Path] = {}
_assignments: dict[tuple[str, str], Assignment] = {}


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


def course_assignment(name: str, blob: bytes) -> Assignment:
    """The assignment from the course bytes; a new version unpacks into a new folder (and has its own reference)."""
    sha, root = _course_root(blob)
    with _course_lock:
        if (name, sha) not in _assignments:
            _assignments[(name, sha)] = Course(root).assignment(name)
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


def identity(value):
    return value


def worker_info() -> dict:
    """What the TA's process checks before sending work (run on every worker)."""
    from autograder.pool import usable_cores
    from autograder.sandbox import launcher
    return {"version": __version__, "sandbox": launcher.describe(), "cores": usable_cores(),
            "host": socket.gethostname(), "python": sys.version.split()[0]}


def grade_job(job: dict, course: bytes) -> dict:
    """Grade one submission's parts on this worker: the unscored run as plain data, with this grader's version."""
    from distributed import get_worker
    worker = get_worker()
    assignment = course_assignment(job["assignment"], course)
    device = devices.resolve(job["device"], assignment)  # 'auto': cuda where this worker has it
    parts = tuple(job["parts"]) if job["parts"] is not None else None
    with _slot() as slot:
        limits = grade.call_limits(assignment, device, parts, slot)  # this worker's reference times, measured once
        run = grade.run_parts(assignment, job["filename"], job["data"], slot=slot, notes=tuple(job["notes"]),
                              device=device, threads=job["threads"].get(worker.address, 1), parts=job["parts"],
                              worker=worker.address, limits=limits)
    return run.to_dict()
