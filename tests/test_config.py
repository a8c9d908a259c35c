"""assignment.yaml mistakes are reported with the file and the key."""

import shutil
from pathlib import Path

import pytest
import yaml

from autograder import config
from helpers import FIXTURE_COURSE


def broken(tmp_path: Path, change) -> Path:
    root = tmp_path / "course"
    shutil.copytree(FIXTURE_COURSE, root)
    path = root / "assignments" / "mini" / "assignment.yaml"
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.parametrize("change, key, words", [
    (lambda d: d["parts"][1].update(points="ten"), "parts[1].points", "must be a float"),
    (lambda d: d["parts"][0].update(points=-1), "parts[0].points", "positive"),
    (lambda d: d["parts"][0].update(runner="tpu"), "parts[0].runner", "one of"),
    (lambda d: d["parts"][0].pop("name"), "parts[0].name", "required"),
    (lambda d: d["parts"].append({"name": "basics", "points": 1}), "parts[2].name", "used by two parts"),
    (lambda d: d["limits"].update(call_timout_s=3), "limits.call_timout_s", "not a known limit"),
    (lambda d: d["limits"].update(memory_mb=0), "limits.memory_mb", "positive"),
    (lambda d: d.update(name="other"), "name", "folder name"),
    (lambda d: d.update(pointz=3), "pointz", "not a known key"),
    (lambda d: d.update(thresholds={"acc": {"floor": 0.9, "target": 0.5}}), "thresholds.acc.target", "above floor"),
    (lambda d: d.update(tolerances={"x": 2}), "tolerances.x", "between 0 and 1"),
    (lambda d: d["parts"].pop(1), "parts", "test_arrays.py belongs to no part"),
    (lambda d: d.update(public_data=["missing.npz"]), "public_data[0]", "does not exist"),
])
def test_mistakes_name_file_and_key(tmp_path, change, key, words):
    path = broken(tmp_path, change)
    with pytest.raises(config.ConfigError) as err:
        config.load(path)
    message = str(err.value)
    assert str(path) in message and f": {key}:" in message and words in message


def test_not_yaml(tmp_path):
    path = tmp_path / "mini" / "assignment.yaml"
    path.parent.mkdir()
    path.write_text("parts: [\n")
    with pytest.raises(config.ConfigError, match="not valid YAML"):
        config.load(path)


def test_the_fixture_loads(mini):
    assert mini.max_score == 10 and [p.name for p in mini.parts] == ["basics", "arrays"]
    assert mini.part("arrays").weights == {"test_double_any_shape": 3.0}


@pytest.mark.parametrize("settings, key, words", [
    ({"tpu": {"epochs": 3}}, "settings.tpu", "cpu or cuda"),
    ({"cpu": {"epochs": [1, 2]}}, "settings.cpu.epochs", "number or a string"),
    ({"cpu": {"dataset": "nope.npz"}}, "settings.cpu.dataset", "does not exist"),
    ({"cuda": {"dataset": "../elsewhere.npz"}}, "settings.cuda.dataset", "an .npz file in data/"),
    ({"cuda": {"dataset": "large.csv"}}, "settings.cuda.dataset", "an .npz file in data/"),
    ({"cuda": {"threshold": "nope"}}, "settings.cuda.threshold", "must name one of thresholds"),
    ({"cpu": {"budget_s": -1}}, "settings.cpu.budget_s", "positive number of seconds"),
])
def test_settings_mistakes(tmp_path, settings, key, words):
    path = broken(tmp_path, lambda d: d.update(settings=settings))
    with pytest.raises(config.ConfigError) as err:
        config.load(path)
    assert f": {key}:" in str(err.value) and words in str(err.value)


def test_a_missing_cuda_data_set_is_reported_when_a_cuda_run_needs_it(tmp_path):
    """An instructor's file kept out of the repository: the assignment loads, and asking for cuda's data set
    names the file and the key (grade asks before a CUDA run grades anything)."""
    path = broken(tmp_path, lambda d: d.update(settings={"cuda": {"dataset": "large.npz"}}))
    assignment = config.load(path)
    assert assignment.dataset("cpu") is None
    with pytest.raises(config.ConfigError) as err:
        assignment.dataset("cuda")
    assert str(path) in str(err.value) and ": settings.cuda.dataset: " in str(err.value)
    assert str(path.parent / "data" / "large.npz") in str(err.value)
    (path.parent / "data").mkdir(exist_ok=True)
    (path.parent / "data" / "large.npz").write_bytes(b"")
    assert assignment.dataset("cuda") == path.parent / "data" / "large.npz" and not assignment.missing_datasets()


def test_budgets_have_one_set_of_defaults(mini):
    """An assignment without limits, the sandbox's own defaults and a graded session agree."""
    import dataclasses

    from autograder import grade
    from autograder.budgets import Budgets
    from autograder.sandbox.limits import Limits
    from autograder.sandbox.session import SessionConfig
    assert Limits() == Limits.of(Budgets())
    plain = SessionConfig("", "m.py", "m")
    graded = grade.session_config(dataclasses.replace(mini, budgets=Budgets()), "", "m.py")
    for key in ("limits", "call_timeout_s", "load_timeout_s", "statement_timeout_s"):
        assert getattr(plain, key) == getattr(graded, key), key
