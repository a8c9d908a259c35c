"""An assignment's test suite: collect its tests and run them against one student.

Tests are pytest-style functions (see :mod:`autograder.testing`) loaded into
the trusted process only. Running one never raises: whatever happens becomes
a :class:`TestOutcome` with a status and a message fit for the student. A
test file that cannot be loaded (an import that fails, a syntax error)
becomes one case that ends in a grader error; the other files still run.

Support modules: helpers shared by an assignment's test files live next to
``public/`` and ``hidden/`` in ``assignments/<name>/tests/``:

- ``support.py`` (``import support``): helpers of the hidden tests (harnesses,
  models of known mistakes, their hints). It is never released, and a public
  test (or ``public_support``) that imports it fails to load.
- ``public_support.py`` (``import public_support``): helpers public tests use,
  which hidden tests and ``support`` may use too. ``autograder release``
  copies it next to the released public tests when one of them imports it, so
  everything in it must be fit for students to read.

How a test module gets its own assignment's support modules: it is executed
with a ``__builtins__`` of its own whose ``__import__`` answers those two names
from a :class:`Support` made for the one :func:`collect` call, and hands every
other name to the real ``__import__``. ``sys.modules`` is never touched, so
several assignments graded in one process, and threads grading submissions
side by side, cannot see each other's ``support``; and the modules are fresh
for every submission, like the test modules. The name must be imported as
such (``import support``, ``from support import x``, at the top or inside a
function); ``importlib.import_module("support")`` and relative imports are not
answered. Under plain pytest, ``assignments/conftest.py`` gives the same
modules through :class:`Support` as well. The same ``__import__`` answers
``import pytest``, while pytest is not imported yet, with
:data:`autograder.marks.PYTEST` (pytest's marks; the rest of pytest on first
use), so that a student's ``check`` does not wait for pytest.
"""

from __future__ import annotations

import builtins
import hashlib
import inspect
import itertools
import sys
import threading
import time
import types
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from autograder import marks
from autograder.checks import CheckFailed, PartialCredit
from autograder.config import SUPPORT_MODULES, Assignment
from autograder.sandbox.faults import StudentFault, StudentTimeout

VISIBILITIES = ("public", "hidden")
_lock = threading.Lock()
_code: dict[Path, types.CodeType] = {}


@dataclass(frozen=True)
class TestCase:
    __test__ = False  # not a pytest test class
    id: str
    part: str
    visibility: str
    weight: float
    func: object
    params: tuple  # ((name, value), ...) from parametrize


@dataclass(frozen=True)
class TestOutcome:
    __test__ = False
    id: str
    part: str
    visibility: str
    weight: float
    status: str  # passed | partial | failed | timeout | error
    fraction: float
    message: str
    duration_s: float
    grader_error: bool = False
    mistake: str | None = None  # the known mistake a check recognised (CheckFailed.hint)


class TestsNotLoaded(Exception):
    """Raised by the stand-in case of a test file that could not be loaded."""

    __test__ = False


def load_module(path: Path, label: str, builtins_: dict | None = None) -> types.ModuleType:
    """A fresh module object for a trusted test file (compiled once per process).

    Fresh for every submission: the student's in-place changes are mirrored
    into the objects a test passes, so a module-level array changed by one
    student must not be seen by the next. ``builtins_``: the module's
    ``__builtins__`` (:meth:`Support.builtins`), so that it imports its own
    assignment's support modules.
    """
    path = path.resolve()
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:10]
    module = types.ModuleType(f"_autograder_{label}_{digest}")
    module.__file__ = str(path)
    if builtins_ is not None:
        module.__builtins__ = builtins_
    exec(_compiled(path), module.__dict__)
    return module


def _compiled(path: Path) -> types.CodeType:
    """The code of a trusted file, compiled once per process."""
    with _lock:
        if path not in _code:
            _code[path] = compile(path.read_text(), str(path), "exec")
        return _code[path]


class Support:
    """The support modules of one assignment's tests (``tests/support.py``, ``tests/public_support.py``).

    One instance per :func:`collect` call (or per pytest session): each module
    is loaded on its first import, once, and shared by that call's test
    modules. No lock: an instance belongs to one thread.
    """

    def __init__(self, tests_dir: Path):
        self.tests_dir = Path(tests_dir)
        self.modules: dict[str, types.ModuleType] = {}
        self._builtins: dict[str, dict] = {}

    def builtins(self, visibility: str) -> dict:
        """``__builtins__`` for a module of this visibility: the real ones, with an ``__import__`` that
        answers the support modules' names from this instance."""
        if visibility not in self._builtins:
            real = builtins.__import__

            def import_(name, globals=None, locals=None, fromlist=(), level=0):
                if level == 0 and name in SUPPORT_MODULES:
                    return self.module(name, visibility)
                if level == 0 and name == "pytest" and "pytest" not in sys.modules:
                    return marks.PYTEST  # its marks without importing it (0.1 s of a student's check)
                return real(name, globals, locals, fromlist, level)

            self._builtins[visibility] = {**builtins.__dict__, "__import__": import_}
        return self._builtins[visibility]

    def module(self, name: str, importer: str = "hidden") -> types.ModuleType:
        """The support module ``name`` for an importer of visibility ``importer``."""
        if SUPPORT_MODULES[name] == "hidden" and importer != "hidden":
            raise ImportError(f"{name} holds helpers of the hidden tests and is never released: a public test "
                              "may only import public_support", name=name)
        if name not in self.modules:
            path = (self.tests_dir / f"{name}.py").resolve()
            if not path.is_file():
                raise ModuleNotFoundError(f"no module named {name!r}: {path} does not exist", name=name)
            module = types.ModuleType(name)
            module.__file__ = str(path)
            module.__builtins__ = self.builtins(SUPPORT_MODULES[name])
            self.modules[name] = module  # before running it, as sys.modules: a circular import gets this module
            try:
                exec(_compiled(path), module.__dict__)
            except BaseException:
                del self.modules[name]
                raise
        return self.modules[name]


def collect(assignment: Assignment, visibilities=VISIBILITIES, parts=None) -> list[TestCase]:
    """The tests of every part, or only of ``parts`` (names) when given.

    A file that cannot be loaded gives one case, named after the file, that
    ends in a grader error when it runs (:func:`_not_loaded`).
    """
    cases: list[TestCase] = []
    support = Support(assignment.root / "tests")
    for visibility in visibilities:
        folder = assignment.tests_dir(visibility)
        if not folder.is_dir():
            continue
        for file in sorted(folder.glob("test_*.py")):
            part = file.stem[len("test_"):]
            if parts is not None and part not in parts:
                continue
            try:
                module = load_module(file, f"{assignment.name}_{visibility}", support.builtins(visibility))
            except Exception as exc:  # trusted code is wrong: this file's tests cannot run, the others can
                cases.append(_not_loaded(part, visibility, file, exc))
                continue
            for name, func in vars(module).items():
                if name.startswith("test_") and inspect.isfunction(func) and func.__globals__ is vars(module):
                    cases.extend(_expand(assignment, part, visibility, name, func))
    return cases


def _not_loaded(part: str, visibility: str, file: Path, exc: Exception) -> TestCase:
    """The stand-in for the tests of a file that could not be loaded."""
    message = (f"the grader could not load its tests of this part ({type(exc).__name__}: {str(exc)[:300]}); "
               "this is the grader's fault, not yours")

    def not_loaded():
        raise TestsNotLoaded(message)

    return TestCase(file.name, part, visibility, 1.0, not_loaded, ())


def _expand(assignment: Assignment, part: str, visibility: str, name: str, func) -> list[TestCase]:
    """One case per parametrize combination, named like pytest names them."""
    weight = assignment.part(part).weights.get(name, getattr(func, "weight", 1.0))
    grids = []
    for mark in reversed(getattr(func, "pytestmark", [])):
        if mark.name != "parametrize":
            continue
        argnames, argvalues = mark.args[0], mark.args[1]
        names = [a.strip() for a in argnames.split(",")] if isinstance(argnames, str) else list(argnames)
        ids = mark.kwargs.get("ids")
        rows = []
        for i, value in enumerate(argvalues):
            is_param = type(value).__name__ == "ParameterSet"  # pytest.param(...)
            value_tuple = tuple(value.values) if is_param else (tuple(value) if len(names) > 1 else (value,))
            label = (ids[i] if ids else (value.id if is_param else None)) or \
                "-".join(_label(v, n, i) for v, n in zip(value_tuple, names))
            rows.append((label, tuple(zip(names, value_tuple))))
        grids.append(rows)
    if not grids:
        return [TestCase(name, part, visibility, weight, func, ())]
    cases = []
    for combo in itertools.product(*grids):
        label = "-".join(c[0] for c in combo)
        params = tuple(p for c in combo for p in c[1])
        cases.append(TestCase(f"{name}[{label}]", part, visibility, weight, func, params))
    return cases


def _label(value, name: str, index: int) -> str:
    """As pytest names a parameter: numbers, strings and None by value, others by name and index."""
    if value is None or isinstance(value, (int, float, str, bool)):
        return str(value)
    return f"{name}{index}"


def run(cases: list[TestCase], fixtures: dict, deadline: float | None = None,
        before_each=None) -> list[TestOutcome]:
    """Run every case; ``fixtures`` maps fixture names to values (``rng`` is made per test,
    ``device`` maps each part to its device). ``before_each(test_id)`` is told which test starts."""
    outcomes = []
    for case in cases:
        if before_each is not None:
            before_each(case.id)
        if deadline is not None and time.monotonic() > deadline:
            outcomes.append(TestOutcome(case.id, case.part, case.visibility, case.weight, "timeout", 0.0,
                                        "not run: the time budget of the whole submission was used up", 0.0))
            continue
        outcomes.append(run_one(case, fixtures))
    return outcomes


def rng_for(test_id: str) -> np.random.Generator:
    """A generator seeded from the test's name: same inputs at every grading."""
    return np.random.default_rng(zlib.crc32(test_id.encode()))


_parameter_names: dict = {}  # code object -> its parameters' names


def _parameters(func) -> tuple[str, ...]:
    """The names of a test function's parameters (its fixtures). A test module is executed afresh for every
    submission, but its functions keep their code objects (``_compiled``): the names are read once per code
    object, not once per test and submission (``inspect.signature`` took 3 ms of each backprop grading).
    A function whose signature is not its code's (a wrapper, an explicit ``__signature__``) is asked each time."""
    code = getattr(func, "__code__", None)
    if code is None or hasattr(func, "__wrapped__") or "__signature__" in getattr(func, "__dict__", {}):
        return tuple(inspect.signature(func).parameters)
    names = _parameter_names.get(code)
    if names is None:
        names = _parameter_names[code] = tuple(inspect.signature(func).parameters)
    return names


def run_one(case: TestCase, fixtures: dict) -> TestOutcome:
    started = time.monotonic()
    status, fraction, message, grader_error, mistake = "passed", 1.0, "", False, None
    try:
        kwargs = dict(case.params)
        for param in _parameters(case.func):
            if param in kwargs:
                continue
            if param == "rng":
                kwargs[param] = rng_for(case.id)
            elif param == "device":  # per part: a GPU part may run on cuda, the others on cpu
                kwargs[param] = fixtures.get("device", {}).get(case.part, "cpu")
            elif param in fixtures:
                kwargs[param] = fixtures[param]
            else:
                raise LookupError(f"test asks for an unknown fixture {param!r}")
        case.func(**kwargs)
    except PartialCredit as exc:
        status, fraction, message = ("passed" if exc.fraction >= 1 else "partial"), exc.fraction, str(exc)
    except CheckFailed as exc:
        status, fraction, message = "failed", 0.0, str(exc) or "the check failed"
        mistake = getattr(exc, "hint", None)
    except StudentTimeout as exc:
        status, fraction, message = "timeout", 0.0, str(exc)
    except StudentFault as exc:
        status, fraction, message = exc.status, 0.0, str(exc)
    except TestsNotLoaded as exc:
        status, fraction, message, grader_error = "error", 0.0, str(exc), True
    except Exception as exc:  # the test itself broke on the student's value, or is wrong
        status, fraction, grader_error = "error", 0.0, True
        message = f"the grader could not check your result ({type(exc).__name__}: {str(exc)[:300]})"
    return TestOutcome(case.id, case.part, case.visibility, case.weight, status, fraction, message,
                       time.monotonic() - started, grader_error, mistake)
