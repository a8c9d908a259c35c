"""The grader's own code that runs in the student's process: probes of a torch model.

A test sometimes needs to do something with a model the student built that
none of the student's functions does: run its forward pass without going
through the student's ``predict``, or see how the student's ``train`` and
``predict`` call it (in which mode, with or without gradient tracking, on
which device, on which rows). A probe is called like a student's function
(``protocol.call(..., probe=True)``): reseeded first, under the call's time
limit, an exception in the student's code reported as the student's. It runs
next to the student's code, so like the rest of the child it holds no
expected value: it only reports what happened, and the trusted side judges.

torch is never imported here: a probe only runs on a module the student's
code built, so the student's code has imported torch already.
"""

from __future__ import annotations

import sys
import weakref

MAX_CALLS = 10_000  # forward calls a watch records; past it only the count goes on
MAX_VALUES = 4_000_000  # input and output elements a watch with values=True keeps, over all its calls


def _torch():
    torch = sys.modules.get("torch")
    if torch is None:
        raise TypeError("not a torch module: your code has not imported torch")
    return torch


def _module(model):
    torch = _torch()
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"expected a torch.nn.Module, got a {type(model).__name__}")
    return torch


def forward(model, X, training=False):
    """``model(X)`` in training mode or not (the model is left in that mode), without gradient tracking,
    with X on the device of the model's first parameter; the output, on the CPU when it is a tensor."""
    torch = _module(model)
    model.train(bool(training))
    device = next((p.device for p in model.parameters()
                   if not isinstance(p, torch.nn.parameter.UninitializedParameter)), torch.device("cpu"))
    with torch.no_grad():
        out = model(X.to(device))
    return out.detach().cpu() if isinstance(out, torch.Tensor) else out


class _Recorder:
    """A forward hook: one record per call of the module (its mode, grad, the input's device and rows)."""

    def __init__(self):
        self.calls, self.values, self.kept, self.dropped = [], False, 0, 0

    def reset(self, values: bool) -> list:
        calls, self.calls, self.values, self.kept, self.dropped = self.calls, [], values, 0, 0
        return calls

    def __call__(self, module, inputs, output):
        torch = sys.modules["torch"]
        if len(self.calls) >= MAX_CALLS:
            self.dropped += 1
            return
        x = inputs[0] if inputs else None
        x = x if isinstance(x, torch.Tensor) else None
        out = output if isinstance(output, torch.Tensor) else None
        call = {"training": bool(module.training),
                "grad": bool(out.requires_grad) if out is not None else bool(torch.is_grad_enabled()),
                "device": x.device.type if x is not None else "",
                "rows": int(x.shape[0]) if x is not None and x.dim() else 0}
        if self.values and x is not None and out is not None and self.kept + x.numel() + out.numel() <= MAX_VALUES:
            call["input"], call["output"] = x.detach().cpu().clone(), out.detach().cpu().clone()
            self.kept += x.numel() + out.numel()
        self.calls.append(call)


_recorders: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()  # module -> its _Recorder


def watch(model, values=False):
    """Record the module's forward calls from now on; returns those recorded since the last watch.

    Each record: ``training`` (the module's mode), ``grad`` (whether the output is part of an autograd
    graph), ``device`` (of the input), ``rows`` (of the input), and with ``values`` the input and output
    themselves (CPU copies, up to MAX_VALUES elements in all). A forward pass that does not go through
    ``model(...)`` (``model.forward(x)``) is not seen.
    """
    _module(model)
    recorder = _recorders.get(model)
    if recorder is None:
        recorder = _recorders[model] = _Recorder()
        model.register_forward_hook(recorder)
    return recorder.reset(bool(values))


PROBES = {"forward": forward, "watch": watch}
