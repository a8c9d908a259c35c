"""``assignment.yaml``: an assignment's parts, points, budgets and settings.

The file is validated once, at load, into frozen dataclasses; every mistake
is reported with the file and the key (``parts[2].points``) and what would
be accepted, so an instructor can fix it without reading this code. Where a
course keeps its assignments is :mod:`autograder.course`'s business.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from autograder.budgets import Budgets
from autograder.intake_limits import IntakeLimits

RUNNERS = ("cpu", "gpu")
PART_KEYS = {"name", "title", "points", "runner", "weights", "manual", "answer_cell"}
# Modules shared by an assignment's test files, in tests/ next to public/ and hidden/, and who may read each
# (see autograder.suite): support only the hidden tests, public_support the students too (it is released).
SUPPORT_MODULES = {"public_support": "public", "support": "hidden"}


class ConfigError(ValueError):
    """An assignment's configuration is wrong; the message names file and key."""


@dataclass(frozen=True)
class Part:
    name: str
    title: str
    points: float
    runner: str = "cpu"
    weights: dict = field(default_factory=dict)
    manual: bool = False  # scored by a person (``autograder adjust``); its answer is collected for the TA
    answer_cell: str = ""  # a manual part's answer: the notebook cell with this nbgrader grade_id


@dataclass(frozen=True)
class Threshold:
    floor: float
    target: float


@dataclass(frozen=True)
class Assignment:
    name: str
    title: str
    root: Path
    student_file: str
    allowed_imports: tuple[str, ...]
    course_rule: str
    budgets: Budgets
    parts: tuple[Part, ...]
    tolerances: dict
    thresholds: dict
    public_data: tuple[str, ...] = ()
    device_settings: dict = field(default_factory=dict)
    intake: IntakeLimits = IntakeLimits()  # what intake reads of a submission

    @property
    def max_score(self) -> float:
        return float(sum(p.points for p in self.parts))

    def part(self, name: str) -> Part:
        for p in self.parts:
            if p.name == name:
                return p
        raise KeyError(name)

    def tests_dir(self, visibility: str) -> Path:
        return self.root / "tests" / visibility

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def tolerance(self, key: str) -> float:
        return self.tolerances[key]

    def threshold(self, key: str) -> Threshold:
        return self.thresholds[key]

    def settings(self, device: str) -> dict:
        """The ``settings`` for a device: cuda's values over cpu's."""
        merged = dict(self.device_settings.get("cpu", {}))
        if device == "cuda":
            merged.update(self.device_settings.get("cuda", {}))
        return merged

    def dataset(self, device: str) -> Path | None:
        """The data set file the device's settings name (``dataset``), or None: the tests' own default.

        A ``cpu`` data set is checked at load. A ``cuda`` one may be missing until the assignment is
        graded on CUDA (an instructor's file kept out of the repository): then this is a ConfigError
        naming the file and the key, raised before any grading (``api.grade_batch``, ``cluster._plan``).
        """
        name = self.settings(device).get("dataset")
        if not name:
            return None
        path = self.data_dir / str(name)
        if not path.is_file():
            key = "cuda" if device == "cuda" and "dataset" in self.device_settings.get("cuda", {}) else "cpu"
            raise ConfigError(f"{self.root / 'assignment.yaml'}: settings.{key}.dataset: {path} does not exist; "
                              f"the {device} runs of {self.name} train on it. Put the file there "
                              f"({self.data_dir / 'README.md'} says how to make one), or grade with --device cpu")
        return path

    def missing_datasets(self) -> list[str]:
        """The ConfigError messages of the data sets named but absent (only a cuda one can be: see dataset)."""
        problems = []
        for device in self.device_settings:
            try:
                self.dataset(device)
            except ConfigError as exc:
                problems.append(str(exc))
        return problems

    @property
    def has_gpu_parts(self) -> bool:
        return any(p.runner == "gpu" for p in self.parts)


class _Reader:
    """Typed access to a YAML mapping that reports errors as ``file: key: problem``."""

    def __init__(self, path: Path, data, prefix: str = ""):
        self.path, self.data, self.prefix = path, data, prefix

    def fail(self, key: str, problem: str):
        where = f"{self.prefix}{key}" if key else self.prefix.rstrip(".") or "(top level)"
        raise ConfigError(f"{self.path}: {where}: {problem}")

    def get(self, key: str, kind, default=..., check=None, hint: str = ""):
        if key not in self.data:
            if default is ...:
                self.fail(key, f"is required{hint}")
            return default
        value = self.data[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind in (int, float) and isinstance(value, bool)):
            names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            self.fail(key, f"must be a {names}, got {value!r}{hint}")
        if check is not None and not check(value):
            self.fail(key, f"has an invalid value {value!r}{hint}")
        return value

    def sub(self, key: str, value) -> "_Reader":
        return _Reader(self.path, value, f"{self.prefix}{key}.")


KNOWN_KEYS = {"name", "title", "student_file", "allowed_imports", "course_rule", "limits", "parts",
              "tolerances", "thresholds", "public_data", "settings", "intake"}


def load(path: str | Path) -> Assignment:
    """Read and validate one ``assignment.yaml``."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: is not valid YAML ({exc})") from None
    top = _Reader(path, data)
    if not isinstance(data, dict):
        top.fail("", "must be a mapping of keys to values")
    unknown = sorted(set(data) - KNOWN_KEYS)
    if unknown:
        top.fail(unknown[0], f"is not a known key (known: {', '.join(sorted(KNOWN_KEYS))})")
    name = top.get("name", str, check=lambda v: v == path.parent.name,
                   hint=f" (it must equal the folder name {path.parent.name!r})")
    imports = top.get("allowed_imports", list, default=[])
    for i, mod in enumerate(imports):
        if not isinstance(mod, str) or not mod.isidentifier():
            top.fail(f"allowed_imports[{i}]", f"must be a module name, got {mod!r}")
    budgets = _positive(top.sub("limits", top.get("limits", dict, default={})), Budgets)
    intake = _positive(top.sub("intake", top.get("intake", dict, default={})), IntakeLimits)
    parts_raw = top.get("parts", list, check=lambda v: len(v) > 0, hint=" (a non-empty list of parts)")
    parts, seen = [], set()
    for i, raw in enumerate(parts_raw):
        r = top.sub(f"parts[{i}]", raw)
        if not isinstance(raw, dict):
            r.fail("", "must be a mapping with name and points")
        extra = sorted(set(raw) - PART_KEYS)
        if extra:
            r.fail(extra[0], f"is not a known key (known: {', '.join(sorted(PART_KEYS))})")
        pname = r.get("name", str, check=str.isidentifier, hint=" (a Python identifier: tests live in test_<name>.py)")
        if pname in seen:
            r.fail("name", f"{pname!r} is used by two parts")
        seen.add(pname)
        weights = r.get("weights", dict, default={})
        for test, w in weights.items():
            if not isinstance(w, (int, float)) or isinstance(w, bool) or w <= 0:
                r.fail(f"weights.{test}", f"must be a positive number, got {w!r}")
        parts.append(Part(
            name=pname,
            title=r.get("title", str, default=pname.replace("_", " ").capitalize()),
            points=r.get("points", float, check=lambda v: v > 0, hint=" (a positive number)"),
            runner=r.get("runner", str, default="cpu", check=lambda v: v in RUNNERS, hint=f" (one of {RUNNERS})"),
            weights={str(k): float(v) for k, v in weights.items()},
            manual=r.get("manual", bool, default=False),
            answer_cell=r.get("answer_cell", str, default=pname),
        ))
        if parts[-1].manual and (parts[-1].weights or parts[-1].runner != "cpu"):
            r.fail("manual", "a manual part is scored by a person: it takes no weights or runner")
    tolerances = top.get("tolerances", dict, default={})
    for key, value in tolerances.items():
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 < value < 1:
            top.fail(f"tolerances.{key}", f"must be a number between 0 and 1, got {value!r}")
    thresholds = {}
    for key, raw in top.get("thresholds", dict, default={}).items():
        r = top.sub(f"thresholds.{key}", raw)
        if not isinstance(raw, dict):
            r.fail("", "must be a mapping with floor and target")
        floor = r.get("floor", float)
        target = r.get("target", float, check=lambda v: v > floor, hint=" (must be above floor)")
        thresholds[str(key)] = Threshold(floor, target)
    assignment = Assignment(
        name=name,
        title=top.get("title", str, default=name),
        root=path.parent.resolve(),
        student_file=top.get("student_file", str, default=name, check=str.isidentifier),
        allowed_imports=tuple(imports),
        course_rule=top.get("course_rule", str, default="only the standard library and the allowed modules"),
        budgets=budgets,
        parts=tuple(parts),
        tolerances={str(k): float(v) for k, v in tolerances.items()},
        thresholds=thresholds,
        public_data=tuple(top.get("public_data", list, default=[])),
        device_settings=_settings(top.sub("settings", top.get("settings", dict, default={})), path.parent,
                                  thresholds),
        intake=intake,
    )
    for i, name in enumerate(assignment.public_data):
        if not isinstance(name, str) or "/" in name or name.startswith("."):
            top.fail(f"public_data[{i}]", f"must be a file name inside data/, got {name!r}")
        if not (assignment.data_dir / name).is_file() and not (path.parent / "data" / name).is_file():
            top.fail(f"public_data[{i}]", f"{assignment.data_dir / name} does not exist")
    _check_test_files(assignment, top)
    return assignment


def _settings(r: _Reader, folder: Path, thresholds: dict) -> dict:
    """Per-device numbers for tests (sizes, epochs, budgets); ``dataset`` names an .npz in data/ (a cuda one
    may be missing until a cuda run: ``Assignment.dataset``), ``threshold`` a key of ``thresholds``."""
    out = {}
    for device, values in r.data.items():
        if device not in ("cpu", "cuda"):
            r.fail(str(device), "must be cpu or cuda")
        if not isinstance(values, dict):
            r.fail(str(device), "must be a mapping of names to numbers or strings")
        for key, value in values.items():
            if not isinstance(value, (int, float, str, bool)):
                r.fail(f"{device}.{key}", f"must be a number or a string, got {value!r}")
            if key == "dataset":
                if not isinstance(value, str) or "/" in value or "\\" in value or value.startswith(".") \
                        or not value.endswith(".npz"):
                    r.fail(f"{device}.{key}", f"must be the name of an .npz file in data/, got {value!r}")
                if device == "cpu" and not (folder / "data" / value).is_file():
                    r.fail(f"{device}.{key}", f"{folder / 'data' / value} does not exist")
            if key == "threshold" and value not in thresholds:
                r.fail(f"{device}.{key}", f"must name one of thresholds ({', '.join(sorted(thresholds)) or 'none'}), "
                                          f"got {value!r}")
            if key == "budget_s" and (not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0):
                r.fail(f"{device}.{key}", f"must be a positive number of seconds, got {value!r}")
        out[device] = dict(values)
    return out


def _positive(r: _Reader, limits: type):
    """A dataclass of positive numbers (``limits:`` Budgets, ``intake:`` IntakeLimits), defaults for the rest."""
    known = limits.__dataclass_fields__
    for key in r.data:
        if key not in known:
            r.fail(key, f"is not a known limit (known: {', '.join(known)})")
    values = {}
    for key, f in known.items():
        kind = float if f.type in ("float", float) else int
        values[key] = r.get(key, kind, default=f.default, check=lambda v: v > 0, hint=" (a positive number)")
    return limits(**values)


def _check_test_files(assignment: Assignment, top: _Reader) -> None:
    """Every test_<part>.py names a part; a support module is not a part and lives in tests/."""
    names = {p.name for p in assignment.parts}
    for visibility in ("public", "hidden"):
        folder = assignment.tests_dir(visibility)
        for file in sorted(folder.glob("test_*.py")) if folder.is_dir() else []:
            part = file.stem[len("test_"):]
            if part not in names:
                top.fail("parts", f"{file.relative_to(assignment.root)} belongs to no part "
                                  f"(add a part named {part!r} or rename the file)")
        for module in SUPPORT_MODULES:
            if (folder / f"{module}.py").is_file():
                top.fail("", f"{(folder / f'{module}.py').relative_to(assignment.root)} is not where tests import "
                             f"{module} from: move it to tests/{module}.py, next to public/ and hidden/")
