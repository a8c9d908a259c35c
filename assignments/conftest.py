# Lets an instructor run any assignment's tests with plain pytest:
#   pytest assignments/backprop --submission path/to/backprop.ipynb
import importlib.util
import sys
from pathlib import Path

import pytest

from autograder.pytest_plugin import config, data, device, pytest_addoption, reference, rng, student  # noqa: F401
from autograder.suite import SUPPORT_MODULES, Support


class SupportFinder:
    """``import support`` / ``import public_support`` under plain pytest: the support modules of the
    assignment whose test file pytest is importing (or running), made by ``autograder.suite.Support`` as
    the grader makes them, one per assignment for the session, the same visibility rule included.

    pytest imports test files itself, so they cannot get the grader's own ``__builtins__``; instead,
    before each test file is imported or run, the names are dropped from ``sys.modules`` and this finder
    answers them for that file's assignment. Several assignments in one run each get their own.
    """

    def __init__(self):
        self.supports: dict[Path, Support] = {}
        self.current: tuple[Support, str] | None = None  # for the test file being imported or run

    def use(self, path) -> None:
        for name in SUPPORT_MODULES:
            sys.modules.pop(name, None)
        folder = Path(path).resolve().parent
        tests = folder.parent
        self.current = None
        if folder.name in ("public", "hidden") and (tests.parent / "assignment.yaml").is_file():
            self.current = (self.supports.setdefault(tests, Support(tests)), folder.name)

    def find_spec(self, name, path=None, target=None):
        if path is None and name in SUPPORT_MODULES and self.current is not None:
            return importlib.util.spec_from_loader(name, self)
        return None

    def create_module(self, spec):
        support, visibility = self.current
        return support.module(spec.name, visibility)

    def exec_module(self, module):
        pass  # create_module gave it whole


_finder = SupportFinder()
sys.meta_path.insert(0, _finder)


def pytest_collectstart(collector):
    if isinstance(collector, pytest.Module):
        _finder.use(collector.path)


def pytest_runtest_setup(item):
    _finder.use(item.path)


def pytest_unconfigure(config):
    if _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
