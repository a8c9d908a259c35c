"""Per-device data sets: the cuda settings may name an instructor's .npz that is kept out of the repository
(cnn's large.npz); CPU runs keep the tests' default, the digits. A cuda data set that is missing stops a
CUDA run before anything is graded, with the file and the key; nothing else needs it.

No GPU is needed: which data set a device gets is the configuration's business, and the accuracy test's
use of a named data set is shown with a generated one in the cpu settings of a copy of the course.
"""

import importlib.util
import shutil

import numpy as np
import pytest
import yaml

from autograder import api, cli, config, devices, grade, record, suite
from autograder.course import Course
from autograder.demo import reference_source
from helpers import REPO

torch = pytest.importorskip("torch")


def cnn_course(tmp_path, change=None) -> Course:
    """A course with a copy of cnn (never the instructor's large.npz), its assignment.yaml edited by ``change``."""
    root = tmp_path / "course"
    for sub in ("assignments/cnn", "solutions/cnn", "release/cnn"):
        shutil.copytree(REPO / sub, root / sub, ignore=shutil.ignore_patterns("large.npz", "__pycache__"))
    if change is not None:
        path = root / "assignments" / "cnn" / "assignment.yaml"
        data = yaml.safe_load(path.read_text())
        change(data)
        path.write_text(yaml.safe_dump(data))
    return Course(root)


def make_large():
    spec = importlib.util.spec_from_file_location("make_large", REPO / "assignments/cnn/data/make_large.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def small_large(folder, copies=1):
    """A file of large.npz's layout and shape (16x16, 10 classes) from the first digits, in ``folder``."""
    digits = make_large().read_digits(REPO / "assignments/cnn/data")
    few = {k: v[:200] for k, v in digits.items()}
    arrays = make_large().make(few, size=16, train_copies=copies, test_copies=copies)
    np.savez_compressed(folder / "large.npz", **arrays)
    return arrays


def test_cuda_names_the_larger_set_and_cpu_keeps_the_digits():
    a = Course(REPO).assignment("cnn")
    assert a.settings("cuda")["dataset"] == "large.npz" and a.settings("cuda")["threshold"] == "large_accuracy"
    assert "dataset" not in a.settings("cpu") and "threshold" not in a.settings("cpu")
    assert a.dataset("cpu") is None  # the accuracy test's default: the digits
    assert a.threshold("large_accuracy").target > a.threshold("large_accuracy").floor


def test_a_missing_cuda_data_set_stops_a_cuda_run_before_grading(tmp_path, monkeypatch, capsys):
    course = cnn_course(tmp_path)
    a = course.assignment("cnn")  # loads: CPU runs, validate and check do not need the file
    with pytest.raises(config.ConfigError) as err:
        a.dataset("cuda")
    message = str(err.value)
    assert str(a.root / "assignment.yaml") in message and ": settings.cuda.dataset: " in message
    assert str(a.data_dir / "large.npz") in message and "README.md" in message and "--device cpu" in message
    assert a.missing_datasets() == [message]
    assert devices.resolve("cpu", a) == "cpu"
    monkeypatch.setattr(devices, "cuda_available", lambda: True)  # a GPU machine, as far as the grader knows
    assert devices.resolve("auto", a) == "cuda"  # plain pytest on the public tests, for one, needs no file
    with pytest.raises(config.ConfigError, match="settings.cuda.dataset"):
        api.grade_batch("cnn", [tmp_path], tmp_path / "out", jobs=1, device="cuda", course=course)
    assert not (tmp_path / "out").exists()  # nothing graded, nothing written
    code = cli.main(["grade", "cnn", str(tmp_path), "--out", str(tmp_path / "out"), "--course", str(course.root)])
    assert code == 2 and "settings.cuda.dataset" in capsys.readouterr().err


def test_a_generated_data_set_is_what_cuda_runs_get(tmp_path, monkeypatch):
    course = cnn_course(tmp_path)
    a = course.assignment("cnn")
    arrays = small_large(a.data_dir)
    monkeypatch.setattr(devices, "cuda_available", lambda: True)
    assert a.missing_datasets() == []
    assert a.dataset("cuda") == a.data_dir / "large.npz" and a.dataset("cpu") is None
    with np.load(a.dataset("cuda"), allow_pickle=False) as f:
        assert f["X_train"].shape == arrays["X_train"].shape == (200, 1, 16, 16)
    # the budget recorded for a GPU part is the device's
    outcome = suite.TestOutcome("test_heldout_accuracy", "accuracy", "hidden", 1.0, "passed", 1.0, "", 0.1)
    runs = [record.Run("cnn.py", "0" * 64, ("accuracy",), device, (outcome,), (), "", (), 0.1, "")
            for device in ("cuda", "cpu")]
    budgets = [next(p.budget_s for p in record.assemble(a, "s", [run]).parts if p.name == "accuracy") for run in runs]
    assert budgets == [a.settings("cuda")["budget_s"], a.settings("cpu")["budget_s"]] and budgets[0] != budgets[1]


def test_the_accuracy_part_trains_on_the_data_set_the_settings_name(tmp_path):
    """A generated 3-channel, 12x12, 3-class set in the cpu settings: the reference, refusing any other shape,
    gets full marks, so the test built, trained and scored on that file, against its threshold."""
    def use_tiny(data):
        data["settings"]["cpu"] = {"dataset": "tiny.npz", "threshold": "tiny_accuracy", "epochs": 4,
                                   "batch_size": 16, "lr": 0.01, "budget_s": 60}
        data["thresholds"]["tiny_accuracy"] = {"floor": 0.4, "target": 0.8}

    g = torch.Generator().manual_seed(0)

    def images(n):
        y = torch.arange(n) % 3                                              # (n,)
        X = 0.3 * torch.rand(n, 3, 12, 12, generator=g)                      # (n, 3, 12, 12)
        X[torch.arange(n), y, 3:9, 3:9] += 0.6                               # class k: a bright square in channel k
        return X.numpy(), y.numpy().astype(np.int64)

    course = cnn_course(tmp_path, use_tiny)
    (X_train, y_train), (X_test, y_test) = images(192), images(60)
    np.savez_compressed(course.assignment_dir("cnn") / "data" / "tiny.npz", X_train=X_train, y_train=y_train,
                        X_test=X_test, y_test=y_test)
    a = course.assignment("cnn")
    assert a.dataset("cpu") == a.data_dir / "tiny.npz"
    source = reference_source(a) + (
        "\n\n_build_model = build_model\n\n\n"
        "def build_model(in_channels, image_size, num_classes):\n"
        "    if (in_channels, image_size, num_classes) != (3, 12, 3):\n"
        "        raise ValueError(f'not the named data set: {(in_channels, image_size, num_classes)}')\n"
        "    return _build_model(in_channels, image_size, num_classes)\n")
    result = grade.grade_submission(a, "s", "cnn.py", source.encode(), visibilities=("hidden",),
                                    parts=("accuracy",))
    (part,) = [p for p in result.parts if p.name == "accuracy"]
    assert part.score == part.max_score, [(o.id, o.message) for o in result.outcomes]


def test_make_large_is_a_pure_function_of_the_digits():
    module = make_large()
    digits = {k: v[:30] for k, v in module.read_digits(REPO / "assignments/cnn/data").items()}
    first, second = module.make(digits, size=20, train_copies=2, test_copies=3), \
        module.make(digits, size=20, train_copies=2, test_copies=3)
    assert all(np.array_equal(first[k], second[k]) for k in first)
    assert first["X_train"].shape == (60, 1, 20, 20) and first["X_test"].shape == (90, 1, 20, 20)
    assert first["X_train"].dtype == np.float32 and first["y_test"].dtype == np.int64
    assert first["X_train"].min() >= 0 and first["X_train"].max() <= 1
    # held-out images come from held-out digits only: the same labels, each digit repeated
    assert sorted(first["y_test"].tolist()) == sorted(np.repeat(digits["y_test"], 3).tolist())


def test_a_cluster_batch_needs_the_cuda_data_set_before_sending_gpu_parts(tmp_path):
    """The GPU workers grade with the course files of the TA's machine: the data set is there or nowhere."""
    pytest.importorskip("distributed")
    from autograder import cluster
    course = cnn_course(tmp_path)
    a = course.assignment("cnn")
    plain, gpu = {"tcp://a:1": {"resources": {}}}, {"tcp://a:1": {}, "tcp://b:1": {"resources": {"GPU": 1}}}
    assert [k.label for k in cluster._plan(None, a, "auto", plain)[0]] == ["all"]  # GPU parts on the CPU settings
    assert [k.label for k in cluster._plan(None, a, "cpu", gpu)[0]] == ["all"]
    with pytest.raises(config.ConfigError, match="settings.cuda.dataset"):
        cluster._plan(None, a, "auto", gpu)
    small_large(a.data_dir)
    assert [k.label for k in cluster._plan(None, a, "auto", gpu)[0]] == ["cpu", "gpu"]
