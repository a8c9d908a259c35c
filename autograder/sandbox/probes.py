"""The grader's own code that runs in the student's process: probes of a torch model, and loops.

A test sometimes needs to do something with a model the student built that
none of the student's functions does: run its forward pass without going
through the student's ``predict``, or see how the student's ``train`` and
``predict`` call it (in which mode, with or without gradient tracking, on
which device, on which rows). A probe is called like a student's function
(``protocol.call(..., probe=True)``): reseeded first, under the call's time
limit, an exception in the student's code reported as the student's. It runs
next to the student's code, so like the rest of the child it holds no
expected value: it only reports what happened, and the trusted side judges.

A loop (``LOOPS``) is a probe that calls one of the student's functions many
times, a training loop of many steps that would otherwise cost a round trip
through the channel per step. Its first argument is the name of that
function; ``child.py`` looks it up (a missing one is answered as for a direct
call) and hands the loop a wrapper that reseeds before every call, as a
direct call is reseeded. A loop returns plain data only (the final
parameters as float64 arrays, how many steps ran, and a plain description of
the first step whose result was unusable) and checks no value against an
expected one: the grader checks what comes back (``checks.check_training``)
and computes every figure that earns points from it. The student's code can
replace this module's functions like anything else in its process, so what a
loop returns is believed no more than a student's return value.

``with_function`` (``WRAPPERS``) calls one of the student's functions once,
as a direct call, handing it a grader's scalar function (``FUNCTIONS``) that
runs here rather than being called back through the channel, and sends back
the student's result with the points that function was evaluated at (to
word a failure, never to score).

torch is never imported here: a probe only runs on a module the student's
code built, so the student's code has imported torch already.
"""

from __future__ import annotations

import functools
import sys
import weakref

import numpy as np

from autograder.sandbox import protocol

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


# -- loops ----------------------------------------------------------------------------------------------------------
def _float_array(value):
    """``value`` as a float64 array as a direct call's check would take it (``checks.check_array``), or None
    and what is wrong: "none", "sequence" (a list or tuple that is not numbers), "type" (not numbers)."""
    if value is None:
        return None, "none"
    if isinstance(value, np.ndarray) and value.dtype.kind not in "biufc":  # the channel carries no other array
        return None, "type"
    try:
        return np.asarray(value, dtype=np.float64), ""
    except (TypeError, ValueError):
        return None, "sequence" if isinstance(value, (tuple, list)) else "type"


def _problem(step: int, kind: str, value=None, key: str | None = None, **more) -> dict:
    """The plain description of what was wrong at ``step`` (counted from 1) that a loop returns."""
    return {"step": step, "kind": kind, "key": key, "type": type(value).__name__[:100], **more}


def sgd(loss_and_grads, X, y, params, args=(), lr=0.1, batches=()):
    """Mini-batch SGD, the grader's loop around the student's ``loss_and_grads``.

    For each row ``idx`` of ``batches`` (step 1, 2, ...): ``loss, grads = loss_and_grads(X[idx], y[idx],
    params, *args)``, then ``params[name] = params[name] - lr * grads[name]`` for every name of ``params``,
    with ``grads[name]`` taken as float64. The student's function gets a new dict holding the current arrays
    each step: changes it makes to the arrays in place stay, as a direct call's changes come back to the
    caller; keys it adds, removes or rebinds do not. It is accepted as a direct call's result would be: a
    tuple or list of two, grads a dict (not a subclass: the channel carries none) holding, for each
    parameter, numbers of the parameter's shape (NaN and inf included).

    Returns ``{"params": {name: float64 array}, "steps": steps done, "stopped": False, "problem": None or a
    description}``: the loop stops at the first unusable result, whose description says ``step`` and
    ``kind``: "result" (not a pair; ``type``, ``length``), "grads" (grads not a dict; ``type``), "missing"
    (no ``key``), "none", "sequence", "type" (``grads[key]`` None, a list or tuple that is not numbers, not
    numbers; ``type``) or "shape" (``grads[key]`` of ``shape``). An exception raised by the student's code
    is not caught: it is the call's.
    """
    params = {str(name): np.array(value, dtype=np.float64) for name, value in params.items()}
    lr = float(lr)
    steps = 0
    for idx in batches:
        step = steps + 1
        result = loss_and_grads(X[idx], y[idx], dict(params), *args)
        if not (type(result) is tuple or isinstance(result, list)) or len(result) != 2:
            length = len(result) if type(result) in (tuple, list) else None
            return _outcome(params, steps, _problem(step, "result", result, length=length))
        grads = result[1]
        if type(grads) is not dict:
            return _outcome(params, steps, _problem(step, "grads", grads))
        new = {}
        for name, value in params.items():
            if name not in grads:
                return _outcome(params, steps, _problem(step, "missing", key=name))
            g, wrong = _float_array(grads[name])
            if g is None:
                return _outcome(params, steps, _problem(step, wrong, grads[name], name))
            if g.shape != value.shape:
                return _outcome(params, steps, _problem(step, "shape", grads[name], name,
                                                        shape=[int(n) for n in g.shape]))
            new[name] = value - lr * g
        params.update(new)
        steps = step
    return _outcome(params, steps, None)


def _outcome(params: dict, steps: int, problem: dict | None, stopped: bool = False) -> dict:
    return {"params": params, "steps": steps, "problem": problem, "stopped": stopped}


def descend(rule, w, config, steps, objective, data, max_loss=float("inf")):
    """Full-batch descent, the grader's loop around the student's update ``rule``: the gradient is the grader's.

    Each step (1, 2, ..., ``steps``): ``loss, dw = OBJECTIVES[objective](w, **data)``; the loop stops early,
    with ``stopped``, when the loss is not finite or above ``max_loss`` (the weights diverged); otherwise
    ``next_w, config = rule(w, dw, config)`` (a copy of w) and the loop goes on from next_w (as float64) with
    the config the rule returned. The rule's result is accepted as a direct call's would be: a tuple or list
    of two, config a dict (not a subclass), next_w numbers of w's shape (NaN and inf included).

    Returns ``{"params": {"w": float64 array}, "steps": steps done, "stopped": bool, "problem": None or a
    description}``, as :func:`sgd` does; a description's ``kind`` is "result" (not a pair), "config"
    (config not a dict) or, for next_w, "none", "sequence", "type" or "shape".
    """
    gradient = OBJECTIVES[objective]
    w = np.array(w, dtype=np.float64)
    done = 0
    for step in range(1, int(steps) + 1):
        with np.errstate(all="ignore"):
            loss, dw = gradient(w, **data)
        if not (np.isfinite(loss) and loss <= max_loss):
            return _outcome({"w": w}, done, None, stopped=True)
        result = rule(w.copy(), dw, config)
        if not (type(result) is tuple or isinstance(result, list)) or len(result) != 2:
            length = len(result) if type(result) in (tuple, list) else None
            return _outcome({"w": w}, done, _problem(step, "result", result, length=length))
        if type(result[1]) is not dict:
            return _outcome({"w": w}, done, _problem(step, "config", result[1]))
        next_w, wrong = _float_array(result[0])
        if next_w is None:
            return _outcome({"w": w}, done, _problem(step, wrong, result[0], "w"))
        if next_w.shape != w.shape:
            return _outcome({"w": w}, done, _problem(step, "shape", result[0], "w",
                                                     shape=[int(n) for n in next_w.shape]))
        w, config, done = np.array(next_w), result[1], step  # a copy: the rule may keep and change its own
    return _outcome({"w": w}, done, None)


def tanh_softmax(theta, X, y, hidden, classes):
    """The mean softmax cross-entropy of a two-layer tanh network on (X, y), and its gradient.

    ``theta`` holds the network's W1 (D, hidden), b1 (hidden,), W2 (hidden, classes), b2 (classes,),
    ravelled and concatenated in that order; the gradient comes in the same layout.
    """
    D = X.shape[1]
    shapes = ((D, hidden), (hidden,), (hidden, classes), (classes,))
    parts, start = [], 0
    for shape in shapes:
        size = int(np.prod(shape))
        parts.append(theta[start:start + size].reshape(shape))
        start += size
    W1, b1, W2, b2 = parts
    n = X.shape[0]
    h = np.tanh(X @ W1 + b1)
    scores = h @ W2 + b2
    scores = scores - scores.max(axis=1, keepdims=True)
    p = np.exp(scores)
    p /= p.sum(axis=1, keepdims=True)
    loss = -np.mean(np.log(p[np.arange(n), y]))
    dscores = p.copy()
    dscores[np.arange(n), y] -= 1.0
    dscores /= n
    dh = dscores @ W2.T * (1.0 - h ** 2)
    grads = (X.T @ dh, dh.sum(axis=0), h.T @ dscores, dscores.sum(axis=0))
    return loss, np.concatenate([g.ravel() for g in grads])


# The gradients ``descend`` may follow: grader code, numpy only, and like every probe no expected value.
OBJECTIVES = {"tanh_softmax": tanh_softmax}


# -- scalar functions given to the student's code -------------------------------------------------------------------
def coupled(x, coef, w):
    """sum(coef x^3) + sin(w . x) + (w . x)^2: not separable, so an x left perturbed between elements changes
    the other partial derivatives."""
    return np.sum(coef * x ** 3) + np.sin(np.sum(w * x)) + np.sum(w * x) ** 2


def cubic_and_square(x, coef, w):
    """sum(coef x^3) + (w . x)^2: its central difference with step h is known exactly (coef (3 x^2 + h^2) +
    2 (w . x) w), so a step other than h shows."""
    return np.sum(coef * x ** 3) + np.sum(w * x) ** 2


def weighted_square(x, weights):
    """sum(weights x^2): central differences give its gradient 2 weights x exactly."""
    return np.sum(weights * x ** 2)


def softmax_cross_entropy(x, y):
    """The mean softmax cross-entropy of logits x (N, C) against labels y (N,)."""
    shifted = x - x.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return -np.mean(log_p[np.arange(x.shape[0]), y])


# The functions ``with_function`` may hand the student's code: f(x, **data) -> a number. The grader computes
# its expected values with the same code (``autograder.testing.FUNCTIONS``), so both sides agree bit for bit.
FUNCTIONS = {"coupled": coupled, "cubic_and_square": cubic_and_square, "weighted_square": weighted_square,
             "softmax_cross_entropy": softmax_cross_entropy}

MAX_POINTS = 10_000  # evaluation points ``with_function`` keeps; past it only the count goes on


class _Evaluated:
    """The f the student's code is given: evaluates a scalar function of an x of one shape, and keeps where."""

    def __init__(self, func, data: dict, shape: tuple):
        self.func, self.data, self.shape = func, data, shape
        self.points: list = []
        self.calls = 0
        self.room = min(MAX_POINTS, MAX_VALUES // max(1, int(np.prod(shape))))

    def __call__(self, x):
        x = np.array(x, dtype=np.float64)
        if x.shape != self.shape:
            raise ValueError(f"f was given an array of shape {x.shape}; it expects x's shape {self.shape}")
        self.calls += 1
        if len(self.points) < self.room:
            self.points.append(x)
        return float(self.func(x, **self.data))


def with_function(student, _name, f, data, x, *args, **kwargs):
    """``student(f, x, *args, **kwargs)`` where ``f`` is the grader's scalar function ``FUNCTIONS[f]`` given
    ``data``, evaluated here instead of called back through the channel (a numerical gradient calls it twice
    per element of x). ``f`` takes an array of x's shape (anything ``np.array`` turns into one; another shape
    raises ValueError in the student's code) and returns a float.

    Returns ``{"value": what the student's function returned, "points": the float64 points f was evaluated
    at, stacked (k, *x.shape), the first ``room`` of them, "calls": how many}``: the points only explain a
    failed check, they earn nothing. ``_name`` is the student's function's name (``child.py`` has looked it
    up); it stays among the arguments so that those the call changes in place come back in their places.
    """
    evaluated = _Evaluated(FUNCTIONS[f], data, np.shape(x))
    value = student(evaluated, x, *args, **kwargs)
    points = np.stack(evaluated.points) if evaluated.points else np.zeros((0, *evaluated.shape))
    return {"value": value, "points": points, "calls": evaluated.calls}


PROBES = {"forward": forward, "watch": watch, "sgd": sgd, "descend": descend, "with_function": with_function}
LOOPS = frozenset({"sgd", "descend"})  # probes whose first argument names the student's function they call
# Probes that call the student's function named by their first argument once, as a direct call would: the
# arguments it changes in place come back to the caller.
WRAPPERS = frozenset({"with_function"})


# -- what a call request runs ------------------------------------------------------------------------------------
class Refused(Exception):
    """A call request with nothing to run; ``kind`` is the error's (protocol.SETUP or protocol.MISSING)."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


def callee(module, name: str, args: list, probe: bool, reseed) -> tuple:
    """What a call request runs, as ``(func, args, echo)``: the student's function ``name``, or with ``probe``
    the grader's probe ``name`` (``PROBES``). ``echo``: the arguments the call changes go back.

    A loop (``LOOPS``) is handed the student's function that its first argument names, with ``reseed()``
    before each call of it as before a direct call, and that name is dropped from its arguments; a loop
    changes none of them, so nothing goes back. A wrapper (``WRAPPERS``) is handed that function too, to
    call once under the call's own reseeding; its arguments stay whole, so that those changed come back in
    their places. :class:`Refused` when there is nothing to run. ``child.py`` and ``bench/inprocess.py``
    both decide with this.
    """
    if not probe:
        func = getattr(module, name, None)
    else:
        func = PROBES.get(name)
        if func is None:
            raise Refused(protocol.SETUP, f"no probe {name!r}")
        if name in LOOPS or name in WRAPPERS:
            target = args[0] if args and type(args[0]) is str else ""
            student = getattr(module, target, None) if target else None
            if not callable(student):
                raise Refused(protocol.MISSING, f"your code does not define a function {target}()")
            if name in LOOPS:
                return functools.partial(func, _reseeded(student, reseed)), args[1:], False
            return functools.partial(func, student), args, True
    if not callable(func):
        raise Refused(protocol.MISSING, f"your code does not define a function {name}()")
    return func, args, True


def _reseeded(func, reseed):
    """``func`` with ``reseed()`` before each call, as before a direct call: a loop's every step starts from
    the random state a direct call of that step would."""

    def call(*args, **kwargs):
        reseed()
        return func(*args, **kwargs)

    return call
