"""Run an assignment's tests with plain pytest:

    pytest assignments/backprop --submission path/to/backprop.ipynb

The fixtures are the ones the grader gives (``student``, ``reference``,
``rng``, ``data``, ``config``, ``device``), and the student's code runs in the same
sandbox. Loaded by ``assignments/conftest.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder import config as config_module
from autograder import devices, extract, suite
from autograder.grade import reference as load_reference
from autograder.sandbox.session import SessionConfig, StudentSession
from autograder.sandbox.student import Student


def pytest_addoption(parser):
    parser.addoption("--submission", help="the .py, .ipynb or .zip to test (default: the reference solution)")
    parser.addoption("--device", default="auto", choices=("auto", "cpu", "cuda"),
                     help="what GPU parts run on, as for `autograder grade`")


def _assignment(request) -> config_module.Assignment:
    path = Path(str(request.node.fspath)).resolve()
    for parent in path.parents:
        if (parent / "assignment.yaml").is_file():
            return config_module.load(parent / "assignment.yaml")
    raise pytest.UsageError(f"{path} is not inside an assignment folder")


@pytest.fixture(scope="module")
def config(request):
    return _assignment(request)


@pytest.fixture(scope="module")
def student(request, config):
    from autograder.grade import solution_file

    path = request.config.getoption("--submission") or solution_file(config)
    path = Path(path)
    found = extract.extract(path.name, path.read_bytes(), config.student_file)
    if found.source is None:
        pytest.fail("; ".join(found.notes), pytrace=False)
    b = config.budgets
    session = StudentSession(SessionConfig(
        source=found.source, filename=found.filename, module=config.student_file,
        allowed_imports=config.allowed_imports, course_rule=config.course_rule, limits=b.limits(),
        call_timeout_s=b.call_timeout_s, load_timeout_s=b.load_timeout_s, statement_timeout_s=b.statement_timeout_s))
    session.start()
    yield Student(session)
    session.close()


@pytest.fixture(scope="module")
def reference(config):
    return load_reference(config)


@pytest.fixture
def rng(request):
    return suite.rng_for(request.node.name)


@pytest.fixture(scope="module")
def data(config):
    return config.data_dir


@pytest.fixture
def device(request, config):
    """The test's part's device, as `autograder grade` gives it (the part is the file's name)."""
    part = Path(str(request.node.fspath)).stem.removeprefix("test_")
    grading = devices.resolve(request.config.getoption("--device"), config)
    return devices.for_part(config.part(part).runner, grading)
