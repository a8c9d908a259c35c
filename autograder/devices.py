"""Which device a part runs on.

Parts declare ``runner: cpu`` or ``runner: gpu``. ``--device auto`` runs GPU
parts on CUDA when this machine has it and on the CPU otherwise (with the
assignment's CPU settings); ``--device cuda`` without CUDA is a usage error
raised before any grading starts; ``--device cpu`` never touches a GPU.
"""

from __future__ import annotations

import functools

from autograder.config import Assignment


class DeviceError(ValueError):
    """The requested device cannot be used here."""


@functools.lru_cache(maxsize=None)
def cuda_available() -> bool:
    """Asked once per process; imports torch only when a GPU part needs the answer."""
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


def resolve(requested: str, assignment: Assignment) -> str:
    """The device GPU parts of ``assignment`` get: 'cuda' or 'cpu'."""
    if requested not in ("auto", "cpu", "cuda"):
        raise DeviceError(f"unknown device {requested!r}: use auto, cpu or cuda")
    if requested == "cpu" or not assignment.has_gpu_parts:
        return "cpu"
    if cuda_available():
        return "cuda"
    if requested == "cuda":
        raise DeviceError("--device cuda: no CUDA device is available on this machine "
                          "(torch.cuda.is_available() is False); use --device auto or cpu")
    return "cpu"


def for_part(runner: str, device: str) -> str:
    return "cuda" if runner == "gpu" and device == "cuda" else "cpu"
