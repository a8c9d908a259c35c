"""An in-process stand-in for the student's session: the floor that the sandbox is measured against.

MEASUREMENT ONLY, NEVER FOR GRADING. This module runs the student's code in
the process that imports it, with none of the sandbox's protections: no
separate process, no confinement, no limits on memory or CPU, no output cap
that stops anything, and a student's ``os._exit`` ends the benchmark. It
lives in ``bench/`` on purpose: nothing in the ``autograder`` package imports
it, so no grading path (``grade``, ``check``, ``validate``, the pool, the
cluster, Gradescope) can reach it. It is only ever given the course's own
code: the reference solution, the release stub and the catalogue's entries
(``tests/catalogue``).

What it keeps of the real session (``autograder/sandbox/session.py`` and
``child.py``), so that the same tests see the same values and give the same
scores:

- **Loading**: the student's source is executed statement by statement into
  a fresh module, with the child's top-level policy (``SKIPPED_STATEMENTS``
  never run, ``from __future__`` honoured, an error in a statement becomes a
  note), its import guard (``child.guarded_builtins``: the assignment's
  allowed imports and the standard library), each statement under the
  assignment's statement timeout (SIGALRM, main thread only), and the module
  registered in ``sys.modules`` under the assignment's module name while the
  session lives, as in the child.
- **Calls**: reseeded before every call (``child.reseed``), numpy warnings
  recorded as the child records them (first five, 200 characters each),
  under the call timeout (SIGALRM; a C loop that never returns to Python
  cannot be stopped), a missing function or an exception raised by the
  student's code turned into the same ``faults`` exceptions, and after two
  timeouts a function is not called again. After a timeout the module is
  loaded again for the next call, as a killed child is restarted.
- **Copies, as the channel makes them**: the channel carries values, so a
  test's arrays are never aliased by the student's code or result. Here
  every argument goes in as a copy and the result comes out as a copy,
  made by :func:`crossing_copy` with the codec's rules (arrays of the
  codec's dtypes with their layout, via ``layout.py``; lists, exact tuples,
  exact dicts with str or int keys, numpy Generators by state, torch
  tensors as CPU copies; a value shared twice becomes two copies, as the
  codec sends it twice). What the codec cannot carry (the student's own
  objects, a torch model) is passed by reference where the channel would
  pass a handle to it, and a grader function given to the student's code is
  called through a wrapper that copies its arguments and result, as a
  callback is. Changes the student's code made to its copies of the
  arguments are copied back with the session's own ``mirror_changes`` (from
  a further copy, with the child's ``kept`` rule for dict entries), so
  in-place updates reach the test's objects exactly as in the sandbox.
- **Probes** (``student.torch_forward``, ``student.torch_watch``) call
  ``autograder.sandbox.probes`` directly, with the same copies; ``torch_info``
  calls ``child.torch_info`` on the object itself.
- **Printed output** is captured (``contextlib.redirect_stdout`` and
  ``redirect_stderr``) up to the output limit, and kept for ``printed()``.

What it leaves out, and why it does not change the floor: the process, its
start and its confinement (that is what the floor is without), the handle
table (objects stay where they are), the per-process crash accounting (the
course's code does not crash its process).
"""

from __future__ import annotations

import ast
import contextlib
import io
import signal
import sys
import threading
import types
import warnings

import numpy as np

from autograder.sandbox import child, codec, faults, layout, probes, protocol
from autograder.sandbox.mirror import mirror_changes, snapshot, unchanged
from autograder.sandbox.session import MAX_TIMEOUTS_PER_FUNCTION, LoadReport, SessionConfig
from autograder.sandbox.student import Student

MECHANISM = "in-process (no sandbox): measurement only, never grading"


class _Timeout(BaseException):
    """SIGALRM while a statement or a call of the student's code ran."""


def _on_alarm(signum, frame):
    raise _Timeout()


@contextlib.contextmanager
def _alarm(seconds: float | None):
    """Raise _Timeout in the main thread after ``seconds`` (elsewhere: no time limit)."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def crossing_copy(value, wrap_callable=None):
    """``value`` as the other side of the channel receives it (``codec.encode`` then ``decode``).

    Anything the codec does not carry comes back as itself (where the channel
    would leave it behind a handle), or, for a callable when ``wrap_callable``
    is given, as ``wrap_callable(value)`` (where the channel would call it back).
    """
    if value is None or isinstance(value, (bool, str, int, float)):
        return value
    if isinstance(value, np.generic):
        return value  # immutable
    if isinstance(value, np.ndarray):
        arr = value.astype(value.dtype.newbyteorder("<")) if value.dtype.byteorder == ">" else value
        if codec._dtype_tag(arr.dtype) in codec.ALLOWED_DTYPES:
            laid = layout.describe(arr)
            if laid is not None:  # a view keeps its layout, over a fresh buffer (describe made one)
                buffer, strides, offset = laid
                return layout.rebuild(buffer, list(arr.shape), strides, offset)
            return np.array(arr, order="C", copy=True)
    elif isinstance(value, list):
        return [crossing_copy(v, wrap_callable) for v in value]
    elif type(value) is tuple:
        return tuple(crossing_copy(v, wrap_callable) for v in value)
    elif type(value) is dict and all(type(k) in (int, str) for k in value):
        return {k: crossing_copy(v, wrap_callable) for k, v in value.items()}
    if codec._is_tensor(value):
        arr = value.detach().cpu().numpy()
        if codec._dtype_tag(arr.dtype) in codec.ALLOWED_DTYPES:
            import torch
            return torch.from_numpy(np.array(arr, order="C", copy=True))
    if isinstance(value, np.random.Generator):
        state = value.bit_generator.state
        if state.get("bit_generator") in codec.BIT_GENERATORS:
            seq = getattr(value.bit_generator, "seed_seq", None)
            described = None
            if isinstance(seq, np.random.SeedSequence):
                raw = seq.entropy
                entropy = int(raw) if isinstance(raw, (int, np.integer)) else [int(e) for e in np.ravel(raw)]
                described = {"entropy": entropy, "spawn_key": [int(k) for k in seq.spawn_key],
                             "pool_size": int(seq.pool_size), "children": int(seq.n_children_spawned)}
            return codec.make_generator(crossing_copy(state), described)
    if wrap_callable is not None and callable(value):
        return wrap_callable(value)
    return value  # behind a handle on the real channel: the same object


def _callback(func, counter: list | None = None):
    """A grader function as the student's code sees it: arguments and result cross as copies.
    ``counter[0]`` counts its calls (each a round trip on the real channel)."""

    def called_back(*args, **kwargs):
        if counter is not None:
            counter[0] += 1
        try:
            value = func(*crossing_copy(args), **crossing_copy(kwargs))
        except Exception as exc:  # the grader's function refused the student's input
            raise child.CallbackError(f"{type(exc).__name__}: {exc}"[:300]) from None
        return crossing_copy(value)

    return called_back


class InProcessSession:
    """What ``Student`` needs of a ``StudentSession``, with the student's module in this process.

    See the module's docstring: for measuring the floor only.
    """

    def __init__(self, config: SessionConfig):
        self.config = config
        self.module: types.ModuleType | None = None
        self.report: LoadReport | None = None
        self.mechanisms = [MECHANISM]
        self.last_warnings: list[str] = []
        self.timeouts: dict[str, int] = {}
        self.restarts = 0
        self.calls = 0  # calls made (probes included), for the benchmark's per-test counts
        self.callbacks = [0]  # calls of the grader's functions by the student's code (round trips too)
        self._output = io.StringIO()
        self._skip: set[int] = set()  # statements that ran out of time once: skipped when loading again
        self._stale = False  # a call timed out: load again before the next one, as a killed child restarts
        self._shadowed = sys.modules.get(config.module)  # a module of that name here: put back by close()

    # -- loading ---------------------------------------------------------------
    def start(self) -> LoadReport:
        report = self._load()
        if self.report is None:
            self.report = report
        return report

    def _load(self) -> LoadReport:
        """``child.Child.load`` in this process."""
        cfg = self.config
        allowed = set(cfg.allowed_imports) | set(sys.stdlib_module_names)
        module = types.ModuleType(cfg.module)
        module.__file__ = cfg.filename
        module.__dict__["__builtins__"] = child.guarded_builtins(allowed, cfg.course_rule)
        sys.modules[cfg.module] = module
        child.reseed(cfg.seed)
        notes: list[str] = []
        try:
            tree = ast.parse(cfg.source, filename=cfg.filename)
        except SyntaxError as exc:
            return LoadReport(False, [child.format_syntax_error(exc)], [])
        with self._captured():
            for index, stmt, code in child.top_level(tree, cfg.filename, self._skip, notes):
                imports = isinstance(stmt, (ast.Import, ast.ImportFrom))
                try:
                    with _alarm(None if imports else cfg.statement_timeout_s):
                        exec(code, module.__dict__)
                except _Timeout:
                    self._skip.add(index)
                    notes.append(f"{protocol.place(stmt.lineno)}: this top-level statement took too long and "
                                 "was stopped")
                except BaseException as exc:  # the student's error, reported, never fatal
                    notes.append(f"{protocol.place(stmt.lineno)}: {child.describe_exception(exc, cfg.filename)}")
        self.module = module
        functions = sorted(k for k, v in module.__dict__.items() if callable(v) and not k.startswith("__"))
        return LoadReport(True, notes, functions)

    @contextlib.contextmanager
    def _captured(self):
        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
                yield
        finally:
            room = self.config.limits.output_bytes - self._output.tell()
            if room > 0:
                self._output.write(out.getvalue()[:room])

    # -- calls -----------------------------------------------------------------
    def call(self, name: str, args: tuple, kwargs: dict, timeout: float | None = None, probe: str | None = None):
        """``StudentSession.call`` with the student's module in this process (copies in and out)."""
        if self.timeouts.get(name, 0) >= MAX_TIMEOUTS_PER_FUNCTION:
            raise faults.already_timed_out(name, MAX_TIMEOUTS_PER_FUNCTION)
        if self._stale:
            if self.restarts >= self.config.max_restarts:
                raise faults.too_many_restarts()
            self.restarts += 1
            self._stale = False
            if not self._load().ok:
                raise faults.reload_failed()
        self.calls += 1
        self.last_warnings = []
        try:  # what to run, as child.py decides it
            seed = self.config.seed
            func, args, echo = probes.callee(self.module, probe or name, tuple(args), probe is not None,
                                             lambda: child.reseed(seed))
        except probes.Refused as exc:
            raise faults.from_error(name, exc.kind, str(exc), "", []) from None
        # In: copies, with the grader's functions called back through copies.
        wrap = lambda f: _callback(f, self.callbacks)  # noqa: E731
        c_args = crossing_copy(list(args), wrap)
        c_kwargs = crossing_copy(dict(kwargs), wrap)
        child.reseed(self.config.seed)
        before = {str(key): snapshot(value) for key, value in [*enumerate(c_args), *c_kwargs.items()]}
        seconds = timeout or self.config.call_timeout_s
        try:
            with self._captured(), _alarm(seconds), warnings.catch_warnings(record=True) as caught, \
                    np.errstate(over="warn", invalid="warn", divide="warn", under="ignore"):
                warnings.simplefilter("always")
                result = func(*c_args, **c_kwargs)
        except _Timeout:
            self._stale = True
            self.timeouts[name] = self.timeouts.get(name, 0) + 1
            raise faults.timed_out(name, seconds) from None
        except KeyboardInterrupt:  # the benchmark's user, not the student (a child never gets it)
            raise
        except BaseException as exc:
            raise faults.from_error(name, protocol.RAISED, child.describe_exception(exc, self.module.__file__),
                                    type(exc).__name__, [c.__name__ for c in type(exc).__mro__]) from None
        self.last_warnings = [f"{w.category.__name__}: {w.message}"[:200] for w in caught[:5]]
        # Out: the result and the arguments the call changed, each a copy (the channel sends those), with
        # the child's rule for dict entries (mirror.py).
        value = crossing_copy(result)
        if echo:
            changed = {str(key): v for key, v in [*enumerate(c_args), *c_kwargs.items()]
                       if not unchanged(v, before[str(key)])}
            kept = {key: [k for k, (ident, _) in before[key].items() if k in v and id(v[k]) == ident]
                    for key, v in changed.items() if type(v) is dict and type(before[key]) is dict}
            mirror_changes(args, crossing_copy({k: v for k, v in changed.items() if k.isdigit()}), kwargs,
                           crossing_copy({k: v for k, v in changed.items() if not k.isdigit()}), kept)
        return value

    def torch_info(self, target) -> dict:
        return child.torch_info(target)

    # -- the end ---------------------------------------------------------------
    def printed(self, limit: int = 2000) -> str:
        text = self._output.getvalue()
        return text if len(text) <= limit else text[:limit] + "\n[... output truncated ...]"

    def close(self) -> None:
        if sys.modules.get(self.config.module) is self.module:
            del sys.modules[self.config.module]
            if self._shadowed is not None:
                sys.modules[self.config.module] = self._shadowed
        self.module = None


def run_parts(assignment, filename: str, data: bytes, visibilities=("public", "hidden"), parts=None,
              timings: dict | None = None, calls: dict | None = None):
    """``grade.run_parts`` with :class:`InProcessSession` instead of the sandbox: an unscored ``record.Run``.

    The same steps in the same order (extract, collect, load, the reference
    for hidden tests, the same fixtures, the same deadline, the same places in
    messages). ``timings`` gets the seconds of 'load' (the student's code),
    'tests' (the loop over the cases) and 'total'; ``calls`` the number of
    round trips per test, keyed "part/visibility id": calls into the student's code and the student's
    code's calls of the grader's functions (callbacks). Measurement only.
    """
    import hashlib
    import time
    from autograder import devices, extract, grade, record, suite

    timings = {} if timings is None else timings
    started = time.monotonic()
    sha = hashlib.sha256(data).hexdigest()
    found = extract.extract(filename, data, assignment.student_file, assignment.intake)
    parts = tuple(p.name for p in assignment.parts) if parts is None else tuple(parts)
    cases = suite.collect(assignment, visibilities, parts)
    if found.source is None:
        raise ValueError(f"{filename}: no code could be read ({'; '.join(found.notes)})")
    session = InProcessSession(grade.session_config(assignment, found.source, found.filename))
    try:
        t0 = time.monotonic()
        loaded = session.start()
        timings["load"] = time.monotonic() - t0
        run_notes = list(found.notes) + [found.locate(n) for n in loaded.notes]
        fixtures = {"student": Student(session), "data": assignment.data_dir, "config": assignment,
                    "device": {p.name: devices.for_part(p.runner, "cpu") for p in assignment.parts}}
        if any(c.visibility == "hidden" for c in cases):
            fixtures["reference"] = grade.reference(assignment)
        deadline = started + assignment.budgets.submission_timeout_s
        t0 = time.monotonic()
        outcomes = []
        for case in cases:  # suite.run, one case at a time to count each test's calls
            before = session.calls + session.callbacks[0]
            outcomes += suite.run([case], fixtures, deadline)
            if calls is not None:
                calls[f"{case.part}/{case.visibility} {case.id}"] = session.calls + session.callbacks[0] - before
        timings["tests"] = time.monotonic() - t0
        outcomes = [grade._located(o, found) for o in outcomes]
    finally:
        session.close()
    timings["total"] = time.monotonic() - started
    run = record.Run(found.filename, sha, parts, "cpu", tuple(outcomes), tuple(run_notes), session.printed(),
                     tuple(session.mechanisms), time.monotonic() - started)
    return run
