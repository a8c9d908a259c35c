"""The program in the student's process: load the student's code, answer calls.

It is the only code besides the student's that runs in that process, so it
holds no test, no reference and no expected value: everything it knows, the
student's code may read or change, and the grader is built to not care. It
answers the grader's requests (``protocol.py``) over the channel until told
to stop, and keeps what the channel cannot carry behind handles until the
grader releases them.

Started through :mod:`autograder.sandbox.boot`, which confines the process
first; a warm parent (``warm_parent.py``) forks one per student instead.
"""

from __future__ import annotations

import ast
import builtins
import random
import signal
import sys
import traceback
import types
import warnings
from collections.abc import Iterator

import numpy as np

from autograder.sandbox import channel, codec, probes, protocol
from autograder.sandbox.mirror import snapshot, unchanged

# Top-level statements that never run: in a notebook they are the training
# loops, plots, prints and self-checks (asserts) that would stall grading or
# only make noise; none of them defines anything the tests call.
SKIPPED_STATEMENTS = (ast.Expr, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Assert)


class StatementTimeout(BaseException):
    """A top-level statement ran past its time budget."""


class CallbackError(Exception):
    """The grader's function that the student's code called failed."""


class Child:
    """The call server: one student's module, and the objects it handed out behind handles."""

    def __init__(self, channel: channel.Channel):
        self.channel = channel
        self.module: types.ModuleType | None = None
        self.handles: dict[int, object] = {}  # handle id -> object, until the grader releases it
        self.handle_ids: dict[int, int] = {}  # id(object) -> handle id: one handle per object
        self.last_handle = 0  # ids are never reused within a process
        self.seed = 0
        self.unseeded: str | None = None  # why the last reseeding failed
        self.warnings = WarningLog()

    # -- values crossing the channel ---------------------------------------
    def keep(self, obj) -> dict:
        """Store an object the channel cannot carry and send a handle."""
        if isinstance(obj, CallbackStub):
            return codec.callback_ref(obj.id)
        key = self.handle_ids.get(id(obj))
        if key is None or self.handles.get(key) is not obj:
            self.last_handle += 1
            key = self.last_handle
            self.handles[key] = obj
            self.handle_ids[id(obj)] = key
        return codec.handle_ref(key, type(obj).__name__)

    def resolve(self, ref):
        if isinstance(ref, codec.Callback):
            return CallbackStub(self, ref.id)
        if ref.id not in self.handles:
            raise KeyError(f"unknown handle {ref.id}")
        return self.handles[ref.id]

    def release(self, ids: list[int]) -> None:
        for ident in ids:
            if ident in self.handles:
                self.handle_ids.pop(id(self.handles.pop(ident)), None)

    def send(self, message: dict) -> None:
        self.channel.send(message, unencodable=self.keep)

    # -- loading -------------------------------------------------------------
    def load(self, request: dict) -> None:
        name = request["module"]
        filename = request["filename"]
        allowed = set(request.get("allowed_imports", [])) | set(sys.stdlib_module_names)
        module = types.ModuleType(name)
        module.__file__ = filename
        module.__dict__["__builtins__"] = guarded_builtins(allowed, request.get("course_rule", ""))
        sys.modules[name] = module
        self.seed = int(request.get("seed", 0))
        reseed(self.seed)
        notes: list[str] = []
        try:
            tree = ast.parse(request["source"], filename=filename)
        except SyntaxError as exc:
            self.send(protocol.loaded(False, [format_syntax_error(exc)], []))
            return
        timed_out: list[int] = []
        progress = (lambda index, stmt: self.send(protocol.progress(index, stmt.lineno)))
        for index, stmt, code in top_level(tree, filename, set(request.get("skip", [])), notes, progress):
            # Imports of allowed libraries may be slow (torch: 2.5 s); the
            # load's own deadline bounds them. Student statements get the alarm.
            if not isinstance(stmt, (ast.Import, ast.ImportFrom)):
                signal.setitimer(signal.ITIMER_REAL, request.get("statement_timeout_s", 2.0))
            try:
                exec(code, module.__dict__)
            except StatementTimeout:
                timed_out.append(index)
                notes.append(f"{protocol.place(stmt.lineno)}: this top-level statement took too long and was stopped")
            except BaseException as exc:  # the student's error, reported, never fatal
                notes.append(f"{protocol.place(stmt.lineno)}: {describe_exception(exc, filename)}")
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
        self.module = module
        functions = sorted(k for k, v in module.__dict__.items() if callable(v) and not k.startswith("__"))
        self.send(protocol.loaded(True, notes, functions, timed_out))

    # -- calls ---------------------------------------------------------------
    def call(self, request: dict) -> None:
        name = request["name"]
        args, kwargs = request["args"], request.get("kwargs", {})
        seed = self.seed
        try:
            func, args, echo = probes.callee(self.module, name, args, bool(request.get("probe")), lambda: reseed(seed))
        except probes.Refused as exc:
            self.send(protocol.error(exc.kind, str(exc)))
            return
        if self.unseeded is not None:  # the grader's own step failed: flagged for the TA, never the student's loss
            self.send(protocol.error(protocol.SETUP, f"reseeding failed: {self.unseeded}"))
            return
        before_args = [snapshot(value) for value in args] if echo else []
        before_kwargs = {key: snapshot(value) for key, value in kwargs.items()} if echo else {}
        self.warnings.start()
        try:
            result = func(*args, **kwargs)
        except BaseException as exc:
            self.send(protocol.error(protocol.RAISED, describe_exception(exc, self.module.__file__),
                                     type(exc).__name__, [c.__name__ for c in type(exc).__mro__]))
            return
        seen = self.warnings.stop()
        if not echo:  # a loop changes none of its arguments: nothing to send back
            self.send(protocol.result(result, {}, {}, seen, {}))
            return
        # Only the arguments the call changed in place go back (the caller's copies of the others are
        # still right), and for each changed dict the entries still holding the same object: the
        # caller updates those in place and rebinds the others, as a direct call would leave it.
        changed_args = {str(i): value for i, value in enumerate(args) if not unchanged(value, before_args[i])}
        changed_kwargs = {key: value for key, value in kwargs.items() if not unchanged(value, before_kwargs[key])}
        kept = {}
        if changed_args or changed_kwargs:
            before = {**{str(i): b for i, b in enumerate(before_args)}, **before_kwargs}
            kept = {key: [k for k, (ident, _) in before[key].items() if k in value and id(value[k]) == ident]
                    for key, value in [*changed_args.items(), *changed_kwargs.items()]
                    if type(value) is dict and type(before[key]) is dict}
        self.send(protocol.result(result, changed_args, changed_kwargs, seen, kept))

    def reseed(self) -> None:
        """The same random state (:func:`reseed`) and warning settings before every call. Done after each
        call's answer is sent, while the grader reads it, rather than before the next call, where it would
        add to the round trip; a failure is reported by the next call."""
        try:
            self.warnings.restore()
            reseed(self.seed)
            self.unseeded = None
        except Exception as exc:
            self.unseeded = f"{type(exc).__name__}: {exc}"[:300]

    def serve(self) -> None:
        while True:
            request = self.channel.recv(resolve=self.resolve)
            op = protocol.op(request)
            if op == protocol.LOAD:
                self.load(request)
                self.reseed()  # top-level statements may have drawn numbers
            elif op == protocol.CALL:
                self.call(request)
                self.reseed()
            elif op == protocol.TORCH_INFO:
                self.send(protocol.info(torch_info(request.get("target"))))
            elif op == protocol.RELEASE:
                self.release(request.get("ids", []))
            elif op == protocol.EXIT:
                return


_python_state: dict[int, tuple] = {}


def reseed(seed: int) -> None:
    """The same random state before every call: a score never depends on test order.

    torch is seeded (CUDA too) and asked for deterministic algorithms only
    when the student's code has imported it; importing it here would cost
    every numpy assignment 2.5 s.
    """
    if _python_state.get(seed) is None:
        random.seed(seed)
        _python_state[seed] = random.getstate()
    random.setstate(_python_state[seed])  # the same state as random.seed(seed), in half the time
    np.random.seed(seed)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(seed)  # seeds every CUDA device as well
        torch.use_deterministic_algorithms(True, warn_only=True)
        if hasattr(torch.backends, "cudnn"):
            torch.backends.cudnn.benchmark = False


def torch_info(module) -> dict:
    """What the grader may ask about a torch module the student built.

    Never raises: a module the student can shape at will (lazy layers,
    properties that throw) must not take the child down.
    """
    torch = sys.modules.get("torch")
    if torch is None or not isinstance(module, torch.nn.Module):
        return {"is_module": False}
    try:
        lazy = torch.nn.parameter.UninitializedParameter
        params = [p for p in module.parameters() if not isinstance(p, lazy)]
        cuda = torch.cuda.is_available()
        return {
            "is_module": True,
            "param_devices": sorted({p.device.type for p in params}),
            "training": bool(module.training),
            "module_types": sorted({type(m).__name__ for m in module.modules()}),
            "n_parameters": int(sum(p.numel() for p in params)),
            "cuda_max_memory_allocated": int(torch.cuda.max_memory_allocated()) if cuda else 0,
        }
    except Exception as exc:
        return {"is_module": True, "error": f"{type(exc).__name__}: {exc}"[:300]}


class WarningLog:
    """The warnings of one call (numpy's overflow, invalid value and divide by zero among them).

    Set up once, not per call (a ``warnings.catch_warnings`` and an
    ``np.errstate`` per call cost more than the rest of a small call): after
    each call (and load) :meth:`restore` puts the settings back if the
    student's code changed them. Only the first few are kept.
    """

    KEEP = 5
    ERRSTATE = {"divide": "warn", "over": "warn", "under": "ignore", "invalid": "warn"}

    def __init__(self):
        self.seen: list[str] = []
        self.recording = False
        self._always = None

    def _show(self, message, category, filename, lineno, file=None, line=None):
        if self.recording and len(self.seen) < self.KEEP:
            self.seen.append(f"{category.__name__}: {message}"[:200])

    def restore(self) -> None:
        """Put the settings back if the student's code changed them (between calls, off the round trip)."""
        if np.geterr() != self.ERRSTATE:
            np.seterr(**self.ERRSTATE)
        if warnings.showwarning != self._show or not warnings.filters or warnings.filters[0] is not self._always:
            warnings.simplefilter("always")
            self._always = warnings.filters[0]
            warnings.showwarning = self._show

    def start(self) -> None:
        self.seen = []
        self.recording = True

    def stop(self) -> list[str]:
        self.recording = False
        return self.seen


class CallbackStub:
    """A grader function as the student's code sees it: calling it asks the grader."""

    def __init__(self, child: Child, ident: int):
        self.child = child
        self.id = ident

    def __call__(self, *args, **kwargs):
        self.child.send(protocol.callback(self.id, list(args), kwargs))
        reply = self.child.channel.recv(resolve=self.child.resolve)
        if protocol.op(reply) == protocol.CALLBACK_RESULT:
            return reply["value"]
        raise CallbackError(str(reply.get("message", "the grader's function failed")))


def guarded_builtins(allowed: set[str], course_rule: str) -> dict:
    """Builtins for the student's module whose ``import`` enforces the course rule.

    Only imports written in the student's code go through this; numpy's own
    imports use the real builtins.
    """
    real_import = builtins.__import__

    def checked_import(name, globals=None, locals=None, fromlist=(), level=0):
        top = name.split(".")[0]
        if level == 0 and top not in allowed:
            raise ImportError(f"importing {top!r} is not allowed in this assignment ({course_rule})")
        return real_import(name, globals, locals, fromlist, level)

    table = dict(builtins.__dict__)
    table["__import__"] = checked_import
    table["input"] = _no_input
    return table


def _no_input(prompt=""):
    raise EOFError("input() is not available while grading")


def top_level(tree: ast.Module, filename: str, skip: set[int], notes: list[str],
              announce=lambda index, stmt: None) -> Iterator[tuple[int, ast.stmt, types.CodeType]]:
    """The top-level statements a load runs, each compiled on its own (with the ``__future__`` flags seen
    so far), as (index, statement, code); ``announce(index, statement)`` comes before each is compiled.

    What is not run is said in ``notes``, in the order of the source: a statement that hung in an earlier
    load (its index in ``skip``), and one that parses but is not valid at top level (``return``,
    ``break``, ``await``: the compiler, not the parser, refuses them). Loops, calls, asserts and
    with-blocks are never run; one note listing them goes first, once the generator is exhausted.
    """
    flags = 0
    skipped: list[str] = []
    for index, stmt in enumerate(tree.body):
        place = protocol.place(stmt.lineno)
        if isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__":
            import __future__
            for alias in stmt.names:
                flags |= getattr(getattr(__future__, alias.name, None), "compiler_flag", 0)
            continue
        if index in skip:
            notes.append(f"{place}: this top-level statement did not finish and was skipped")
            continue
        if isinstance(stmt, SKIPPED_STATEMENTS):
            if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) or _check_call(stmt)):
                skipped.append(place)
            continue
        announce(index, stmt)
        try:
            code = compile(ast.Module(body=[stmt], type_ignores=[]), filename, "exec", flags=flags, dont_inherit=True)
        except SyntaxError as exc:
            notes.append(f"{place}: this top-level statement was not run: {exc.msg}")
            continue
        except (ValueError, RecursionError, MemoryError) as exc:  # too deep or too large to compile
            notes.append(f"{place}: this top-level statement was not run: {type(exc).__name__}")
            continue
        yield index, stmt, code
    if skipped:
        notes.insert(0, f"skipped {len(skipped)} top-level loop(s), call(s), assert(s) or with-block(s) "
                        f"({', '.join(skipped[:8])}{', ...' if len(skipped) > 8 else ''}): "
                        "the grader runs only imports, definitions and assignments")


def _check_call(stmt: ast.stmt) -> bool:
    """``grader.check("part")``: a notebook's check cell (``autograder.notebook``), which the notes need not
    list among the skipped statements: it is the checker's, not the student's code."""
    call = stmt.value if isinstance(stmt, ast.Expr) else None
    return isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and \
        call.func.attr in ("check", "check_all")


def format_syntax_error(exc: SyntaxError) -> str:
    where = protocol.place(exc.lineno) if exc.lineno else "somewhere"
    return f"your code has a syntax error at {where}: {exc.msg}"


COMPREHENSIONS = ("<listcomp>", "<dictcomp>", "<setcomp>", "<genexpr>")  # a line of the function around them


def describe_exception(exc: BaseException, filename: str) -> str:
    """The exception and where in the student's functions it happened, innermost first, without the
    grader's frames. Top-level frames are left out: a load note names its statement already."""
    places = []
    for frame, line in traceback.walk_tb(exc.__traceback__):
        code = frame.f_code
        if code.co_filename != filename or code.co_name == "<module>" or code.co_name in COMPREHENSIONS:
            continue
        name = getattr(code, "co_qualname", code.co_name).replace(".<locals>", "")
        places.append(protocol.place(line or code.co_firstlineno, name, code.co_firstlineno))
    message = str(exc)
    text = (f"{type(exc).__name__}: {message}" if message else type(exc).__name__)[:2000]
    if places:
        places = places[::-1][:5]
        text += f" (in {places[0]}" + "".join(f"; called from {p}" for p in places[1:]) + ")"
    return text


def on_alarm(signum, frame):
    """SIGALRM: a top-level statement ran past its budget."""
    raise StatementTimeout()
