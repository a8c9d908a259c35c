"""`autograder export gradescope`: the zip, and the zip run end to end as Gradescope runs it.

Gradescope unpacks the zip into ROOT/source, copies run_autograder to ROOT,
puts the student's files in ROOT/submission and reads
ROOT/results/results.json. Here ROOT is a temporary folder
(AUTOGRADER_GRADESCOPE_ROOT) and nothing is installed: the Python running
these tests already has the grader (AUTOGRADER_PYTHON, PYTHONPATH).
Every results.json is checked against Gradescope's format.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from autograder import api, extras
from autograder.course import Course
from autograder.demo import catalogue_submission
from autograder.gradescope import container, metadata, scripts, source
from autograder.sandbox import launcher
from helpers import REPO

NAME = "backprop"
REFERENCE = REPO / "solutions" / NAME / f"{NAME}.ipynb"
WRONG = REPO / "tests" / "catalogue" / NAME / "wrong" / "ce_grad_sign.py"  # loses: softmax_losses

# Gradescope's results format (gradescope-autograders.readthedocs.io, "Autograder Specifications")
FORMATS = {"text", "html", "simple_format", "md", "ansi"}
VISIBILITIES = {"hidden", "after_due_date", "after_published", "visible"}
TOP_KEYS = {"score", "execution_time", "output", "output_format", "test_output_format", "test_name_format",
            "visibility", "stdout_visibility", "extra_data", "tests", "leaderboard"}
TEST_KEYS = {"score", "max_score", "status", "name", "name_format", "number", "output", "output_format", "tags",
             "visibility", "extra_data"}


def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def format_problems(results) -> list[str]:
    """What in ``results`` Gradescope's results.json format does not allow; [] when it is valid."""
    if not isinstance(results, dict):
        return ["not a JSON object"]
    problems = [f"unknown top-level key {k!r}" for k in set(results) - TOP_KEYS]
    for key in ("score", "execution_time"):
        if key in results and not is_number(results[key]):
            problems.append(f"{key} is not a number")
    for key in ("output",):
        if key in results and not isinstance(results[key], str):
            problems.append(f"{key} is not a string")
    for key in ("output_format", "test_output_format", "test_name_format"):
        if key in results and results[key] not in FORMATS:
            problems.append(f"{key} {results[key]!r} is not one of {sorted(FORMATS)}")
    for key in ("visibility", "stdout_visibility"):
        if key in results and results[key] not in VISIBILITIES:
            problems.append(f"{key} {results[key]!r} is not one of {sorted(VISIBILITIES)}")
    if "extra_data" in results and not isinstance(results["extra_data"], dict):
        problems.append("extra_data is not an object")
    tests = results.get("tests", [])
    if not isinstance(tests, list):
        return problems + ["tests is not a list"]
    if "score" not in results and not tests:
        problems.append("no score: neither a top-level score nor tests")
    for i, test in enumerate(tests):
        if not isinstance(test, dict):
            problems.append(f"tests[{i}] is not an object")
            continue
        problems += [f"tests[{i}]: unknown key {k!r}" for k in set(test) - TEST_KEYS]
        problems += [f"tests[{i}]: no {k}" for k in ("name", "score", "max_score", "status", "output", "visibility")
                     if k not in test]
        problems += [f"tests[{i}]: {k} is not a number" for k in ("score", "max_score")
                     if k in test and not is_number(test[k])]
        problems += [f"tests[{i}]: {k} is not a string" for k in ("name", "output") if k in test
                     and not isinstance(test[k], str)]
        if test.get("status") not in {"passed", "failed"}:
            problems.append(f"tests[{i}]: status {test.get('status')!r}")
        if test.get("visibility") not in VISIBILITIES:
            problems.append(f"tests[{i}]: visibility {test.get('visibility')!r}")
        if "output_format" in test and test["output_format"] not in FORMATS:
            problems.append(f"tests[{i}]: output_format {test['output_format']!r}")
        if "tags" in test and not (isinstance(test["tags"], list) and all(isinstance(t, str) for t in test["tags"])):
            problems.append(f"tests[{i}]: tags is not a list of strings")
        if "extra_data" in test and not isinstance(test["extra_data"], dict):
            problems.append(f"tests[{i}]: extra_data is not an object")
    return problems


def read_results(root: Path) -> dict:
    """ROOT/results/results.json, strictly: NaN or Infinity are not JSON and fail here."""
    def refuse(constant):
        raise ValueError(f"{constant} is not JSON")
    results = json.loads((root / "results" / "results.json").read_text(), parse_constant=refuse)
    assert format_problems(results) == []
    return results


@pytest.fixture(scope="module")
def autograder_zip(tmp_path_factory) -> Path:
    """The zip, written by the command a TA types."""
    to = tmp_path_factory.mktemp("export") / "autograder.zip"
    done = subprocess.run([sys.executable, "-m", "autograder", "--course", str(REPO), "export", "gradescope", NAME,
                           "--to", str(to)], capture_output=True, text=True, timeout=120, env=grader_env())
    assert done.returncode == 0, done.stderr
    assert f"wrote {to}" in done.stdout and "hidden tests" in done.stdout and "reference solution" in done.stdout
    return to


def grader_env(**extra) -> dict:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (str(REPO), os.environ.get("PYTHONPATH"))))}
    return {**env, **extra}


def unpack(zip_path: Path, dest: Path) -> None:
    """As ``unzip`` does: every file with the mode bits its entry carries."""
    with zipfile.ZipFile(zip_path) as archive:
        for info in archive.infolist():
            path = dest / info.filename
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(archive.read(info))
            if (mode := (info.external_attr >> 16) & 0o777):
                path.chmod(mode)


@pytest.fixture
def image(tmp_path, autograder_zip) -> Path:
    """A Gradescope ROOT: the zip in source/, run_autograder copied beside it, an empty submission/."""
    root = tmp_path / "autograder"
    unpack(autograder_zip, root / "source")
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    (root / "submission").mkdir()
    return root


def run_autograder(root: Path, **env) -> subprocess.CompletedProcess:
    return subprocess.run([str(root / "run_autograder")], cwd=root, capture_output=True, text=True, timeout=300,
                          env=grader_env(**{"AUTOGRADER_GRADESCOPE_ROOT": str(root), "AUTOGRADER_PYTHON": sys.executable,
                                            **env}))


def test_the_zip_has_gradescope_s_executable_entry_points(autograder_zip, tmp_path):
    with zipfile.ZipFile(autograder_zip) as archive:
        infos = {i.filename: i for i in archive.infolist()}
        for name in ("setup.sh", "run_autograder"):
            assert name in infos, name  # at the root, not under a folder
            mode = infos[name].external_attr >> 16
            assert infos[name].create_system == 3 and mode & 0o111 == 0o111, oct(mode)
            (tmp_path / name).write_bytes(archive.read(name))
            done = subprocess.run(["bash", "-n", str(tmp_path / name)], capture_output=True, text=True)
            assert done.returncode == 0, done.stderr
    setup = (tmp_path / "setup.sh").read_text()
    assert "apt-get install" in setup and "bubblewrap" in setup and '"$SOURCE/grader"' in setup  # numpy only
    assert "AUTOGRADER_GRADESCOPE_ROOT" in (tmp_path / "run_autograder").read_text()


def test_a_torch_assignment_gets_the_torch_extra_and_the_cpu_build(tmp_path):
    setup = scripts.setup_sh(*extras.needed_by(Course(REPO).assignment("cnn")))
    assert '"$SOURCE/grader[torch]"' in setup and f"--index-url {scripts.CPU_TORCH_INDEX} torch" in setup
    (tmp_path / "setup.sh").write_text(setup)
    assert subprocess.run(["bash", "-n", str(tmp_path / "setup.sh")]).returncode == 0


def test_the_zip_is_named_after_the_assignment_by_default(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    lines = api.export_gradescope(NAME, course=Course(REPO))
    assert (tmp_path / f"{NAME}-gradescope.zip").is_file() and lines[0].startswith(f"wrote {NAME}-gradescope.zip")


def test_the_zip_holds_the_one_assignment_and_nothing_else(autograder_zip):
    with zipfile.ZipFile(autograder_zip) as archive:
        names = set(archive.namelist())
    material = {f"course/assignments/{NAME}/{p.relative_to(REPO / 'assignments' / NAME).as_posix()}"
                for p in (REPO / "assignments" / NAME).rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    assert material <= names and any("/tests/hidden/" in n for n in material)
    assert f"course/solutions/{NAME}/{NAME}.ipynb" in names
    grader = {n for n in names if n.startswith("grader/")}
    assert "grader/pyproject.toml" in grader and "grader/autograder/gradescope/container.py" in grader
    assert all(n.startswith("grader/autograder/") for n in grader - {"grader/pyproject.toml", "grader/README.md"})
    others = names - material - grader - {"setup.sh", "run_autograder", f"course/solutions/{NAME}/{NAME}.ipynb"}
    assert others == set()  # no other assignment, reference, release, catalogue or conftest
    other_assignments = set(Course(REPO).names()) - {NAME}
    assert other_assignments and not [n for n in names if set(Path(n).parts) & other_assignments]
    assert not [n for n in names if "catalogue" in n or n.startswith("release") or n.endswith(".pyc")]


def test_the_reference_gets_full_marks_with_the_strongest_layers(image):
    (image / "submission" / f"{NAME}.ipynb").write_bytes(REFERENCE.read_bytes())
    (image / "submission_metadata.json").write_text(json.dumps({
        "id": 1, "created_at": "2026-03-01T14:22:32.365935-07:00",
        "users": [{"email": "ada@example.edu", "id": 1234, "name": "Ada Lovelace", "sid": "s1815"}]}))
    done = run_autograder(image, AUTOGRADER_SANDBOX_DISABLE="bwrap,seccomp,cgroups")  # must not weaken it
    assert done.returncode == 0, done.stdout + done.stderr
    results = read_results(image)
    extra = results["extra_data"]
    parts = Course(REPO).assignment(NAME).parts  # the written answers (manual parts) wait for a person
    assert results["score"] == sum(p.points for p in parts if not p.manual) == 100 and extra["status"] == "graded"
    assert extra["max_score"] == sum(p.points for p in parts)
    # each test's score is rounded to 4 decimals: their sum may differ from the total by 5e-5 per test
    assert sum(t["score"] for t in results["tests"]) == pytest.approx(100, abs=5e-5 * len(results["tests"]))
    assert extra["student"] == "s1815" and extra["display"] == "Ada Lovelace"
    assert extra["submitted_at"].startswith("2026-03-01T14:22:32")
    assert f"{NAME}.ipynb" in results["output"] and "Your code ran in a sandbox: " in results["output"]
    in_force = {name for name, ok, _ in launcher.layer_report() if ok}
    for layer, mechanism in (("bwrap", "bubblewrap"), ("seccomp", "seccomp"), ("cgroups", "cgroup"),
                             ("rlimits", "rlimits")):
        if layer in in_force:
            assert any(m.startswith(mechanism) for m in extra["sandbox"]), (layer, extra["sandbox"])
    assert {t["visibility"] for t in results["tests"]} == {"visible", "after_published"}


def test_a_wrong_submission_loses_points_and_says_where(image):
    assignment = Course(REPO).assignment(NAME)
    (image / "submission" / f"{NAME}.py").write_bytes(catalogue_submission(assignment, WRONG))
    (image / "submission" / "notes.txt").write_text("not graded\n")
    done = run_autograder(image)
    assert done.returncode == 0, done.stdout + done.stderr
    results = read_results(image)
    assert results["extra_data"]["status"] == "graded" and results["score"] < 100
    assert results["extra_data"]["parts"]["softmax_losses"]["score"] < 20
    assert any(t["status"] == "failed" and t["output"] for t in results["tests"])


def test_a_corrupt_notebook_is_unreadable_not_a_crash(image):
    (image / "submission" / f"{NAME}.ipynb").write_bytes(b'{"cells": [{"cell_type": "code", "source": "def f(')
    done = run_autograder(image)
    assert done.returncode == 0, done.stdout + done.stderr
    results = read_results(image)
    assert results["extra_data"]["status"] == "unreadable" and results["score"] == 0
    assert results["output"].startswith("Your submission could not be read") and f"{NAME}.ipynb" in results["output"]


def test_an_empty_submission_is_unreadable(image):
    (image / metadata.FILE_NAME).write_bytes(b"[" * 200_000)  # hostile metadata: ignored, not a fault
    assert container.run(image, image / "source" / "course", NAME) == 0
    results = read_results(image)
    assert results["extra_data"]["status"] == "unreadable" and results["score"] == 0
    assert "no .py, .ipynb or .zip file found in submission/" in results["output"]
    assert results["extra_data"]["student"] == "student"  # no metadata: a neutral id


def test_a_grader_failure_still_writes_results_and_exits_nonzero(image, capsys):
    (image / "submission" / f"{NAME}.ipynb").write_bytes(REFERENCE.read_bytes())
    assert container.run(image, image / "source" / "course", "no_such_assignment") == container.FAULT
    results = read_results(image)
    assert results["score"] == 0 and results["extra_data"]["status"] == "fault" and results["tests"] == []
    assert "autograder itself failed" in results["output"] and "no_such_assignment" in results["extra_data"]["reason"]
    assert "Traceback" in capsys.readouterr().out  # for the instructor's log


def test_a_python_that_cannot_start_still_leaves_a_results_json(image):
    done = run_autograder(image, AUTOGRADER_PYTHON="/bin/false")
    assert done.returncode != 0
    results = read_results(image)
    assert results["score"] == 0 and results["extra_data"]["status"] == "fault"


@pytest.mark.parametrize("content", [
    b"", b"{not json", b"\xff\xfe", b"[" * 200_000, b'{"users": "everyone"}', b'{"users": [1, null, "x"]}',
    b'{"users": [{"sid": true, "email": ["a"], "name": {"x": 1}, "id": 1e400}]}',
    b'{"users": [{"sid": ' + b"9" * 5000 + b"}]}",
    json.dumps({"users": [{"name": "\u202e\x1b[31m" + "x" * 100_000}], "created_at": {"a": 1}}).encode(),
], ids=["empty", "bad-json", "bad-utf8", "deep", "users-string", "users-odd", "odd-types", "huge-int",
        "huge-name"])
def test_hostile_metadata_never_crashes(tmp_path, content):
    (tmp_path / metadata.FILE_NAME).write_bytes(content)
    who = metadata.read(tmp_path)
    if who is not None:
        assert len(who.display) <= 200 and "\x1b" not in who.display and "\u202e" not in who.display
        assert who.student and len(who.student) <= 64 and who.submitted_at == ""


def test_a_group_is_one_submission_for_all_its_members():
    who = metadata.parse({"users": [{"email": "b@x.org", "name": "Bo"}, {"sid": "s2", "name": "Cy"}, "junk"]})
    assert who.student == "b@x.org+s2" and who.display == "Bo, Cy"


def test_an_installed_grader_gets_a_pyproject_from_its_metadata():
    text = source.pyproject("1.2.3", ">=3.11", ["numpy>=1.26", 'pyseccomp>=0.1; sys_platform == "linux"',
                                               'torch>=2.2; extra == "torch"',
                                               'dask[distributed]>=2024.1; python_version >= "3.11" and extra == "cluster"'],
                            {"autograder": "autograder.cli:main"})
    project = tomllib.loads(text)["project"]
    assert project["name"] == "nngrader" and project["version"] == "1.2.3"
    assert project["dependencies"] == ["numpy>=1.26", 'pyseccomp>=0.1; sys_platform == "linux"']
    assert project["optional-dependencies"] == {"torch": ["torch>=2.2"],
                                                "cluster": ['dask[distributed]>=2024.1; python_version >= "3.11"']}
    assert project["scripts"] == {"autograder": "autograder.cli:main"}


def test_the_bundled_grader_builds_offline(autograder_zip, tmp_path):
    """setup.sh pip-installs grader/: it must build as it is (here without the network or its deps)."""
    pytest.importorskip("setuptools")
    unpack(autograder_zip, tmp_path / "source")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                           "-q", "-w", str(tmp_path / "wheels"), str(tmp_path / "source" / "grader")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    wheel = next((tmp_path / "wheels").glob("nngrader-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    assert "autograder/gradescope/container.py" in names and "autograder/templates/feedback.html" in names
