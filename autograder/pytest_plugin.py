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
from autograder import devices, extract, grade, suite
from autograder.course import Course
from autograder.sandbox.session import StudentSession
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
    path = Path(request.config.getoption("--submission") or Course.of(config).solution_file(config))
    found = extract.extract(path.name, path.read_bytes(), config.student_file, config.intake)
    if found.source is None:
        pytest.fail("; ".join(found.notes), pytrace=False)
    device = devices.resolve(request.config.getoption("--device"), config)
    session = StudentSession(grade.session_config(config, found.source, found.filename, device=device))
    session.start()
    yield Student(session)
    session.close()


@pytest.fixture(scope="module")
def reference(config):
    return grade.reference(config)


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
