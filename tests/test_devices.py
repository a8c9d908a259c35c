"""Runners and devices: which device a part gets, torch across the channel."""

import dataclasses
import time

import numpy as np
import pytest

from autograder import devices
from autograder.config import Part
from autograder.sandbox.faults import StudentRaised, StudentTimeout
from autograder.sandbox.session import SessionConfig, StudentSession
from autograder.sandbox.student import Student

torch = pytest.importorskip("torch")
needs_cuda = pytest.mark.skipif(not devices.cuda_available(), reason="no CUDA device on this machine")


def with_gpu_part(assignment):
    return dataclasses.replace(assignment, parts=assignment.parts + (Part("training", "Training", 5, "gpu"),))


def test_cpu_parts_always_run_on_cpu(mini):
    assert devices.resolve("auto", mini) == "cpu" and devices.resolve("cuda", mini) == "cpu"


@pytest.mark.skipif(devices.cuda_available(), reason="this machine has CUDA")
def test_without_cuda_auto_falls_back_and_cuda_is_refused(mini):
    gpu = with_gpu_part(mini)
    assert devices.resolve("auto", gpu) == "cpu"
    with pytest.raises(devices.DeviceError, match="no CUDA device"):
        devices.resolve("cuda", gpu)


@needs_cuda
def test_with_cuda_gpu_parts_get_it(mini):
    assert devices.resolve("auto", with_gpu_part(mini)) == "cuda"


def test_part_devices():
    assert devices.for_part("gpu", "cuda") == "cuda"
    assert devices.for_part("cpu", "cuda") == "cpu" and devices.for_part("gpu", "cpu") == "cpu"


TORCH_SRC = """
import torch
from torch import nn

def make(n):
    torch.manual_seed(123)  # the student's own seeding is allowed
    return nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.Dropout(0.5), nn.Linear(2 * 6 * 6, n))

def forward(model, x):
    model.eval()
    with torch.no_grad():
        return model(x)

def draw():
    return torch.rand(3)

def step(model, x):
    model.train()
    return model(x).sum().item()

class Broken(nn.Module):
    def forward(self, x):
        raise ValueError("broken forward")

def broken():
    return Broken()

def busy(seconds):
    import time
    end = time.time() + seconds
    while time.time() < end:
        pass
    return seconds
"""


@pytest.fixture(scope="module")
def torch_student():
    session = StudentSession(SessionConfig(TORCH_SRC, "t.py", "t", ("torch", "numpy"), call_timeout_s=30,
                                           limits=dataclasses.replace(SessionConfig.limits, memory_bytes=4 * 1024**3)))
    session.start()
    yield Student(session)
    session.close()


def test_tensors_and_modules_cross(torch_student):
    model = torch_student.make(4)
    x = torch.rand(5, 1, 8, 8)
    out = torch_student.forward(model, x)
    assert isinstance(out, torch.Tensor) and out.shape == (5, 4) and out.dtype == torch.float32
    info = torch_student.torch_info(model)
    assert info["is_module"] and info["param_devices"] == ["cpu"] and info["training"] is False
    assert "Conv2d" in info["module_types"] and info["n_parameters"] == 2 * 9 + 2 + 72 * 4 + 4
    assert torch_student.torch_info(3) == {"is_module": False}


def test_the_grader_runs_a_students_model_without_the_students_predict(torch_student):
    model, x = torch_student.make(4), torch.rand(5, 1, 8, 8)
    out = torch_student.torch_forward(model, x)
    assert torch.equal(out, torch_student.forward(model, x)) and torch_student.torch_info(model)["training"] is False
    torch_student.torch_forward(model, x, training=True)
    assert torch_student.torch_info(model)["training"] is True  # left in the mode it ran in
    with pytest.raises(StudentRaised, match=r"model\(\) raised ValueError: broken forward"):
        torch_student.torch_forward(torch_student.broken(), x)
    with pytest.raises(StudentRaised, match="expected a torch.nn.Module"):
        torch_student.torch_forward(3, x)


def test_a_watch_sees_mode_gradient_tracking_device_and_rows_of_each_forward_call(torch_student):
    model, x = torch_student.make(4), torch.rand(5, 1, 8, 8)
    assert torch_student.torch_watch(model) == []
    torch_student.forward(model, x)  # eval, no_grad
    torch_student.step(model, x[:3])  # train, grad
    calls = torch_student.torch_watch(model, values=True)
    assert calls == [{"training": False, "grad": False, "device": "cpu", "rows": 5},
                     {"training": True, "grad": True, "device": "cpu", "rows": 3}]
    torch_student.step(model, x)
    (call,) = torch_student.torch_watch(model)
    assert torch.equal(call["input"], x) and call["output"].shape == (5, 4) and call["grad"]
    assert torch_student.torch_watch(model) == []


def test_every_call_starts_from_the_same_random_state(torch_student):
    first, second = torch_student.draw(), torch_student.draw()
    assert torch.equal(first, second)


def test_a_call_may_get_its_own_time_budget(torch_student):
    started = time.monotonic()
    assert torch_student.with_timeout(5).busy(2.0) == 2.0
    with pytest.raises(StudentTimeout, match="within 0.5 s"):
        torch_student.with_timeout(0.5).busy(3.0)
    assert time.monotonic() - started < 10
    assert torch_student.make(4) is not None  # a fresh process carries on
    with pytest.raises(StudentTimeout, match="already ran past its time limit"):
        torch_student.busy(0.1)  # but a function that timed out is not called again (session.py)


def test_settings_merge_cuda_over_cpu(mini):
    a = dataclasses.replace(mini, device_settings={"cpu": {"epochs": 5, "budget_s": 30}, "cuda": {"epochs": 20}})
    assert a.settings("cpu") == {"epochs": 5, "budget_s": 30}
    assert a.settings("cuda") == {"epochs": 20, "budget_s": 30}


def test_torch_info_survives_lazy_layers_and_hostile_modules():
    src = ("import torch\nfrom torch import nn\n"
           "class Weird(nn.Module):\n"
           "    def parameters(self, recurse=True):\n"
           "        raise RuntimeError('no')\n"
           "def lazy():\n    return nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.LazyLinear(4))\n"
           "def weird():\n    return Weird()\n")
    session = StudentSession(SessionConfig(src, "t.py", "t", ("torch",), call_timeout_s=30,
                                           limits=dataclasses.replace(SessionConfig.limits, memory_bytes=4 * 1024**3)))
    try:
        session.start()
        student = Student(session)
        info = student.torch_info(student.lazy())
        assert info["is_module"] and info["n_parameters"] == 2 * 9 + 2 and "LazyLinear" in info["module_types"]
        assert "RuntimeError" in student.torch_info(student.weird())["error"]
        assert student.torch_info(student.lazy())["is_module"]  # the worker is still alive
    finally:
        session.close()
