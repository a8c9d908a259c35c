"""The catalogue of implementations, for every assignment.

`tests/catalogue/<assignment>/wrong/*.py` each hold one realistic mistake:
only the function(s) that differ from the reference, applied on top of it
(see ``autograder.demo.catalogue_submission``). Each must lose points in the
part(s) named on its first line (`# loses: a, b`); the second line says the
mistake (`# mistake: ...`). `tests/catalogue/<assignment>/correct/*.py` are
whole modules, right but written differently, and must get full marks (the
maximum of the automatic parts: a person scores the manual ones).
"""

import ast
import importlib.util
import shutil
from pathlib import Path

import pytest

from autograder import devices, extract, grade
from autograder.course import Course
from autograder.demo import catalogue_submission
from helpers import REPO

CATALOGUE = REPO / "tests" / "catalogue"
ASSIGNMENTS = sorted(p.name for p in CATALOGUE.iterdir() if p.is_dir())


def entries(kind: str) -> list:
    return [pytest.param(name, path, id=f"{name}/{path.stem}")
            for name in ASSIGNMENTS for path in sorted((CATALOGUE / name / kind).glob("*.py"))]


def graded(name: str, path: Path, device: str = "cpu", course: Course | None = None):
    """Graded as a batch grades it: each call limited to a multiple of the reference's time on it
    (autograder/calls.py), so that every correct entry shows the limits leave it room."""
    assignment = (course or Course(REPO)).assignment(name)
    data = catalogue_submission(assignment, path)
    return assignment, grade.grade_submission(assignment, path.stem, f"{assignment.student_file}.py", data,
                                              device=device, limits=grade.call_limits(assignment, device))


def automatic_max(result) -> float:
    """Full marks for the tests: the maximum without the manual parts, which a person scores later."""
    return sum(p.max_score for p in result.parts if not p.manual)


def failures(result) -> str:
    return "\n".join(f"  {o.id}: {o.status}: {o.message}" for o in result.outcomes if o.fraction < 1)


needs_cuda = pytest.mark.skipif(not devices.cuda_available(), reason="no CUDA device on this machine")


@pytest.fixture(scope="module")
def cuda_course(tmp_path_factory) -> Course:
    """A copy of cnn with the large.npz its cuda settings name, made by data/make_large.py: the instructor's
    file is not in the repository (a CUDA run without it stops before grading)."""
    root = tmp_path_factory.mktemp("course")
    for sub in ("assignments/cnn", "solutions/cnn", "release/cnn"):
        shutil.copytree(REPO / sub, root / sub, ignore=shutil.ignore_patterns("large.npz", "__pycache__"))
    spec = importlib.util.spec_from_file_location("make_large", root / "assignments/cnn/data/make_large.py")
    make_large = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_large)
    make_large.main(["--out", str(root / "assignments/cnn/data/large.npz")])
    return Course(root)


@pytest.mark.parametrize("name, path", entries("wrong"))
def test_each_mistake_loses_points_where_it_should(name, path):
    assert_loses_points(name, path, "cpu")


@needs_cuda
@pytest.mark.gpu
@pytest.mark.parametrize("name, path", entries("gpu_wrong"))
def test_each_gpu_only_mistake_loses_points_on_cuda(name, path, cuda_course):
    """Forgetting .to(device) changes nothing on a CPU runner; on CUDA it must cost points."""
    assert_loses_points(name, path, "cuda", cuda_course)


@needs_cuda
@pytest.mark.gpu
@pytest.mark.parametrize("name, path", [e for e in entries("correct") if e.values[0] == "cnn"])
def test_each_correct_cnn_variant_gets_full_marks_on_cuda(name, path, cuda_course):
    _, result = graded(name, path, "cuda", cuda_course)
    assert result.score == automatic_max(result), f"{path.name} lost points on CUDA:\n{failures(result)}"


def assert_loses_points(name: str, path: Path, device: str, course: Course | None = None):
    header = path.read_text().splitlines()[:2]
    assert header[0].startswith("# loses:") and header[1].startswith("# mistake:"), "catalogue header missing"
    parts = [p.strip() for p in header[0].removeprefix("# loses:").split(",") if p.strip()]
    assignment, result = graded(name, path, device, course)
    assert parts and all(p in {q.name for q in assignment.parts} for p in parts), f"unknown part in {parts}"
    scores = {p.name: p for p in result.parts}
    assert result.score < automatic_max(result), f"{path.name} got full marks: {header[1]}"
    for part in parts:
        assert scores[part].score < scores[part].max_score, f"{path.name} kept all of {part}: {header[1]}"
    assert not [o for o in result.outcomes if o.grader_error], failures(result)
    if "\ndel " not in path.read_text():  # points lost to the mistake, not to a function gone missing
        assert not [o for o in result.outcomes if "does not define a function" in o.message], failures(result)


@pytest.mark.parametrize("name, path", entries("correct"))
def test_each_correct_variant_gets_full_marks(name, path):
    _, result = graded(name, path)
    assert result.score == automatic_max(result), f"{path.name} lost points:\n{failures(result)}"


def student_tasks(assignment) -> set[str]:
    """The public functions the release leaves for the student (their bodies raise NotImplementedError)."""
    stub = Course.of(assignment).release_dir(assignment.name) / f"{assignment.student_file}.ipynb"
    tree = ast.parse(extract.extract(stub.name, stub.read_bytes(), assignment.student_file).source)
    return {n.name for n in tree.body if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")
            and "raise NotImplementedError" in ast.unparse(n)}


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_catalogue_has_a_mistake_for_every_function_students_write(name):
    assignment = Course(REPO).assignment(name)
    touched = set()
    for path in (CATALOGUE / name / "wrong").glob("*.py"):
        tree = ast.parse(path.read_text())
        touched |= {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
        touched |= {t.id for n in tree.body if isinstance(n, ast.Delete) for t in n.targets}
    missing = student_tasks(assignment) - touched
    assert student_tasks(assignment) and not missing, f"no wrong implementation of {sorted(missing)}"
