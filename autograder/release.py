"""``autograder release``: the student version of an assignment.

``release/<name>/`` holds the student notebook (nbgrader's ClearSolutions
replaces every solution region with a stub that raises NotImplementedError,
and ClearOutput drops outputs), the public tests, the assignment's
configuration, the public data files and a short README. It never holds
solutions, hidden tests or held-out data. ``tests/public_support.py`` goes
with the public tests when one of them imports it (see :mod:`autograder.suite`);
``tests/support.py``, the hidden tests' helpers, never does: a public test that
imports it is refused. The notebook keeps nbgrader's cell
metadata, so a course already on nbgrader can use it as a source notebook.

Generation is deterministic, so ``--check`` can compare byte for byte.
"""

from __future__ import annotations

import ast
import filecmp
import shutil
import tempfile
from pathlib import Path

from autograder import config, extras
from autograder.course import Course

README = """# {title}

Your task: implement every function marked `raise NotImplementedError()` in
`{stem}.ipynb` (or submit the same functions as `{stem}.py`).
{rule_line}
Check your work locally against the public tests. Install the checker once
(Python 3.11 or newer, on Linux; on Windows use WSL):

    {pip}

then, inside the notebook (opened from this folder), run the setup cell
near the top and, after each part, its `grader.check("PART")` cell: it runs
that part's public tests on the code you have run in the notebook
(`grader.check_all()` runs them all). From a terminal, in this folder,

    autograder check {name} {stem}.ipynb

checks the saved notebook (`autograder check {name} .` finds it itself).
Submit `{stem}.ipynb` (or `{stem}.py`) as your course asks, under that name.

The public tests are in `tests/public/`; the grader also runs hidden tests
that check more cases (other shapes, large inputs, edge cases), so passing
the public tests is a good start, not the final score.

Parts and points:
{parts}

Limits while grading: {call_timeout:g} s per function call, {memory_mb} MiB of memory.
Top-level code other than imports, definitions and assignments (training
loops, plots, prints) is skipped by the grader.
"""


def build(assignment: config.Assignment, dest: Path) -> None:
    """Write the release of ``assignment`` into the empty folder ``dest``."""
    extras.require_instructor_tools()
    import nbformat  # imported here: 2 s, paid only by instructors
    from nbgrader.preprocessors import ClearOutput, ClearSolutions

    master = Course.of(assignment).solution_file(assignment)
    dest.mkdir(parents=True, exist_ok=True)
    stem = assignment.student_file
    if master.suffix == ".ipynb":
        nb = nbformat.read(str(master), as_version=4)
        resources = {"language": "python"}
        nb, resources = ClearSolutions(enforce_metadata=True).preprocess(nb, resources)
        nb, resources = ClearOutput().preprocess(nb, resources)
        nb.metadata.pop("widgets", None)
        nbformat.validate(nb)
        nbformat.write(nb, str(dest / f"{stem}.ipynb"))
    else:
        raise config.ConfigError(f"{master}: the master solution must be a notebook to make a release")
    tests = assignment.tests_dir("public")
    if tests.is_dir():
        (dest / "tests" / "public").mkdir(parents=True)
        files = sorted(tests.glob("test_*.py"))
        for f in files:
            shutil.copyfile(f, dest / "tests" / "public" / f.name)
        for name in released_support(assignment, files):
            shutil.copyfile(assignment.root / "tests" / f"{name}.py", dest / "tests" / f"{name}.py")
    for name in assignment.public_data:
        (dest / "data").mkdir(exist_ok=True)
        shutil.copyfile(assignment.data_dir / name, dest / "data" / name)
    shutil.copyfile(assignment.root / "assignment.yaml", dest / "assignment.yaml")
    rule = f"\nCourse rule: {assignment.course_rule}.\n" if assignment.course_rule else ""
    (dest / "README.md").write_text(README.format(
        title=assignment.title, stem=stem, name=assignment.name, rule_line=rule,
        pip="pip install 'nngrader[torch]'" if "torch" in assignment.allowed_imports else "pip install nngrader",
        parts="\n".join(f"- {p.title}: {p.points:g} points" for p in assignment.parts),
        call_timeout=assignment.budgets.call_timeout_s, memory_mb=assignment.budgets.memory_mb))


def released_support(assignment: config.Assignment, public_tests: list[Path]) -> list[str]:
    """The support modules the public tests import (directly or through each other), which go with them.

    A hidden one (``support``) is refused: it holds what students must not see.
    """
    found, todo = [], [(f, imported(f)) for f in public_tests]
    while todo:
        path, names = todo.pop(0)
        for name in sorted(names & set(config.SUPPORT_MODULES)):
            if config.SUPPORT_MODULES[name] != "public":
                raise config.ConfigError(f"{path}: imports {name}, the hidden tests' helpers, which are never "
                                         "released; move what public tests need to tests/public_support.py")
            if name not in found:
                found.append(name)
                todo.append((assignment.root / "tests" / f"{name}.py",
                             imported(assignment.root / "tests" / f"{name}.py")))
    return sorted(found)


def imported(path: Path) -> set[str]:
    """The top-level names of the modules ``path`` imports absolutely, anywhere in the file."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def release(assignment: config.Assignment) -> Path:
    """Regenerate ``release/<name>/`` in place."""
    target = Course.of(assignment).release_dir(assignment.name)
    with tempfile.TemporaryDirectory() as tmp:
        build(assignment, Path(tmp) / assignment.name)
        if target.exists():
            shutil.rmtree(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(Path(tmp) / assignment.name, target)
    return target


def differences(assignment: config.Assignment) -> list[str]:
    """Files of ``release/<name>/`` that differ from a fresh build (empty: up to date)."""
    target = Course.of(assignment).release_dir(assignment.name)
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / assignment.name
        build(assignment, fresh)
        if not target.is_dir():
            return [f"{target} does not exist"]
        return _compare(filecmp.dircmp(fresh, target), Path(assignment.name))


def _compare(cmp: filecmp.dircmp, prefix: Path) -> list[str]:
    found = [f"{prefix / n}: missing" for n in cmp.left_only]
    found += [f"{prefix / n}: should not be there" for n in cmp.right_only]
    _, mismatch, errors = filecmp.cmpfiles(cmp.left, cmp.right, cmp.common_files, shallow=False)
    found += [f"{prefix / n}: out of date" for n in mismatch + errors]
    for name, sub in cmp.subdirs.items():
        found += _compare(sub, prefix / name)
    return found
