"""The local executor: a batch's jobs on this machine's cores.

``jobs`` slots grade at once, each a thread that owns one sandbox slot (its
uid and its warm box) for the whole submission, so two students never share
a box. Each student process gets its slot's share of the cores as BLAS and
torch threads. The warm boxes end with the batch.
"""

from __future__ import annotations

import os
import queue
import time
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from typing import Iterator

from autograder import grade, record
from autograder.batch import Job
from autograder.config import Assignment
from autograder.sandbox import launcher, zygote


def usable_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return os.cpu_count() or 1


class LocalPool:
    """:class:`autograder.batch.Executor` over a thread per slot."""

    name = "local"

    def __init__(self, jobs: int | None = None, device: str = "cpu"):
        """``device``: what GPU parts get, already resolved (``devices.resolve``)."""
        self.slots = jobs or usable_cores()
        self.device = device
        self._pool: ThreadPoolExecutor | None = None
        self._futures: dict[Future, Job] = {}

    def open(self, assignment: Assignment, jobs: list[Job]) -> str:
        if any(assignment.tests_dir("hidden").glob("test_*.py")):
            grade.reference(assignment)  # loaded once, before the threads
        started = time.monotonic()
        limits = grade.call_limits(assignment, self.device)  # the reference graded once, before the threads
        measured = time.monotonic() - started
        threads = max(1, usable_cores() // self.slots)
        free: queue.Queue = queue.Queue()
        for slot in range(self.slots):
            free.put(slot)

        def work(job: Job) -> list[record.Run]:
            slot = free.get()
            try:
                return [grade.run_parts(assignment, job.filename, job.data, slot=slot, notes=job.notes,
                                        device=self.device, threads=threads, limits=limits)]
            finally:
                free.put(slot)

        self._pool = ThreadPoolExecutor(max_workers=self.slots)
        self._futures = {self._pool.submit(work, job): job for job in jobs}
        return (f"with {self.slots} slot(s); sandbox {launcher.describe()}"
                + (f"; GPU parts on {self.device}" if assignment.has_gpu_parts else "")
                + (f"; call time limits from the reference's {len(limits)} calls (graded in {measured:.1f} s)"
                   if limits else "; fixed call time limits (no reference solution)"))

    def results(self) -> Iterator[tuple[Job, list[record.Run] | str]]:
        for future in as_completed(self._futures):
            job = self._futures[future]
            try:
                yield job, future.result()
            except Exception as exc:  # a grader fault
                yield job, f"{type(exc).__name__}: {exc}"

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        zygote.shutdown()  # the warm boxes end with the batch
