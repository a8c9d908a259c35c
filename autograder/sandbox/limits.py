"""What one student process may use: its resource limits.

The first four fields are an assignment's budgets (:mod:`autograder.budgets`,
whose defaults they take); the others are the sandbox's own. The launcher
turns them into rlimits, cgroup settings and a tmpfs size; the child applies
what :meth:`Limits.for_child` gives it before any student code runs.
"""

from __future__ import annotations

from dataclasses import dataclass

from autograder.budgets import DEFAULT, Budgets


@dataclass(frozen=True)
class Limits:
    """Resource limits of one student process (all of its calls together).

    The first four are an assignment's budgets (:mod:`autograder.budgets`,
    whose defaults these are); the rest are the sandbox's own.
    """

    cpu_s: int = DEFAULT.cpu_s
    memory_bytes: int = DEFAULT.memory_bytes
    nproc: int = DEFAULT.processes
    output_bytes: int = DEFAULT.output_bytes
    file_bytes: int = 64 * 1024**2
    open_files: int = 256
    tmp_bytes: int = 64 * 1024**2
    threads: int = 1  # BLAS/OpenMP/torch threads: the student process's share of the cores
    cuda: bool = False  # give the process the machine's NVIDIA devices

    @classmethod
    def of(cls, budgets: Budgets, threads: int = 1, cuda: bool = False) -> "Limits":
        return cls(cpu_s=int(budgets.cpu_s), memory_bytes=budgets.memory_bytes, nproc=int(budgets.processes),
                   output_bytes=budgets.output_bytes, threads=threads, cuda=cuda)

    def for_child(self) -> dict:
        # The CUDA driver reserves tens of GB of address space at start-up
        # (never backed by memory), so RLIMIT_AS makes cudaGetDeviceCount fail
        # with "out of memory"; RLIMIT_DATA counts only private writable
        # mappings, which is what the process really fills.
        return {
            "cpu_s": self.cpu_s,
            "data_bytes" if self.cuda else "memory_bytes": self.memory_bytes,
            "nproc": self.nproc,
            "file_bytes": self.file_bytes,
            "open_files": self.open_files,
            "core_bytes": 0,
        }
