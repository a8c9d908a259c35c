"""The catalogue of implementations, for every assignment.

`tests/catalogue/<assignment>/wrong/*.py` each hold one realistic mistake and
must lose points, in the part(s) named on their first line (`# loses: a, b`);
the second line says the mistake (`# mistake: ...`).
`tests/catalogue/<assignment>/correct/*.py` are right but written
differently, and must get full marks.
"""

from pathlib import Path

import pytest

from autograder import config, grade
from helpers import REPO

CATALOGUE = REPO / "tests" / "catalogue"


def entries(kind: str):
    for folder in sorted(p for p in CATALOGUE.iterdir() if p.is_dir()):
        for path in sorted((folder / kind).glob("*.py")):
            yield pytest.param(folder.name, path, id=f"{folder.name}/{path.stem}")


def graded(name: str, path: Path):
    assignment = config.find(name, REPO)
    return assignment, grade.grade_submission(assignment, path.stem, path.name, path.read_bytes())


def failures(result) -> str:
    return "\n".join(f"  {o.id}: {o.status}: {o.message}" for o in result.outcomes if o.fraction < 1)


@pytest.mark.parametrize("name, path", entries("wrong"))
def test_each_mistake_loses_points_where_it_should(name, path):
    header = path.read_text().splitlines()[:2]
    assert header[0].startswith("# loses:") and header[1].startswith("# mistake:"), "catalogue header missing"
    parts = [p.strip() for p in header[0].removeprefix("# loses:").split(",") if p.strip()]
    assignment, result = graded(name, path)
    assert parts and all(p in {q.name for q in assignment.parts} for p in parts), f"unknown part in {parts}"
    scores = {p.name: p for p in result.parts}
    assert result.score < result.max_score, f"{path.name} got full marks: {header[1]}"
    for part in parts:
        assert scores[part].score < scores[part].max_score, f"{path.name} kept all of {part}: {header[1]}"
    assert not [o for o in result.outcomes if o.grader_error], failures(result)


@pytest.mark.parametrize("name, path", entries("correct"))
def test_each_correct_variant_gets_full_marks(name, path):
    _, result = graded(name, path)
    assert result.score == result.max_score, f"{path.name} lost points:\n{failures(result)}"
