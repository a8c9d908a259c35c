"""``import pytest`` in a test file the grader loads, without importing pytest (0.1 s) until it is used.

Test files write ``import pytest`` for ``@pytest.mark.parametrize`` and
``pytest.param``, and that is all the grader reads of pytest
(``suite._expand``: each mark's ``name``, ``args`` and ``kwargs``, each
ParameterSet's ``values`` and ``id``). When pytest is not imported yet (a
student's ``autograder check`` from a terminal), :mod:`autograder.suite`
answers the name with :data:`PYTEST`: its ``mark`` and ``param`` make those
objects as pytest makes them (pytest's rules: a mark called on a function
appends itself to the function's ``pytestmark``, called with anything else
it adds those arguments), and any other name (``pytest.raises``,
``pytest.approx``, ...) is taken from the real pytest, imported on first
use. Where pytest is imported already (under pytest, or once anything used
it) the real module is given instead.
"""

from __future__ import annotations

import importlib
import inspect
import types
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Mark:
    """What ``pytest.mark.NAME(*args, **kwargs)`` stores on a test function (its ``pytestmark``)."""

    name: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)


class MarkDecorator:
    """``pytest.mark.NAME``: called with arguments, a decorator with them; called on a function, marks it."""

    def __init__(self, mark: Mark):
        self.mark = mark

    @property
    def name(self) -> str:
        return self.mark.name

    @property
    def args(self) -> tuple:
        return self.mark.args

    @property
    def kwargs(self) -> dict:
        return self.mark.kwargs

    def __call__(self, *args, **kwargs):
        # pytest's rule: a single function or class and no keywords is the thing decorated
        if args and not kwargs and len(args) == 1 and (inspect.isclass(args[0]) or _is_test_function(args[0])):
            target = args[0]
            target.pytestmark = [*_own_marks(target), self.mark]
            return target
        return MarkDecorator(Mark(self.mark.name, self.mark.args + args, {**self.mark.kwargs, **kwargs}))


def _is_test_function(obj) -> bool:
    return callable(obj) and getattr(obj, "__name__", "<lambda>") != "<lambda>"


def _own_marks(obj) -> list:
    marks = obj.__dict__.get("pytestmark", []) if inspect.isclass(obj) else getattr(obj, "pytestmark", [])
    return list(marks) if isinstance(marks, (list, tuple)) else [marks]


class MarkGenerator:
    """``pytest.mark``: any attribute is a mark of that name."""

    def __getattr__(self, name: str) -> MarkDecorator:
        if name.startswith("_"):
            raise AttributeError(name)
        return MarkDecorator(Mark(name))


class ParameterSet:
    """``pytest.param(*values, marks=(), id=None)``; ``suite._expand`` recognises it by its class name."""

    def __init__(self, values: tuple, marks: Any = (), id: str | None = None):
        self.values = values
        self.marks = marks
        self.id = id


def param(*values, marks=(), id=None) -> ParameterSet:
    return ParameterSet(values, marks, id)


class LazyPytest(types.ModuleType):
    """A module standing for pytest: ``mark`` and ``param`` here, anything else from pytest on first use."""

    def __init__(self):
        super().__init__("pytest", "pytest's marks, without importing pytest until more is used")
        self.mark = MarkGenerator()
        self.param = param

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(importlib.import_module("pytest"), name)


PYTEST = LazyPytest()
