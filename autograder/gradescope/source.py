"""This grader's own source as a folder ``pip install`` accepts, to travel in a Gradescope zip.

Why not an sdist or a wheel: building one needs setuptools and a build step on
the instructor's machine; the package tree plus its ``pyproject.toml`` is the
same thing to pip, built in the image where pip fetches setuptools anyway.
Why not ``pip install nngrader`` from the index in setup.sh: the image must
grade with exactly the code the instructor validated the assignment with.

From a checkout the project's own ``pyproject.toml`` (and the README it
names) is copied; from an installed package, which has none, an equivalent
one is written from the installed distribution's metadata.
"""

from __future__ import annotations

import importlib.metadata
import json
import re
import tomllib
from pathlib import Path

import autograder
from autograder import __version__
from autograder.config import ConfigError
from autograder.extras import DISTRIBUTION

SKIPPED_DIRS = {"__pycache__", ".ipynb_checkpoints", ".git"}
SKIPPED_SUFFIXES = (".pyc", ".pyo")
EXTRA_MARKER = re.compile(r"""(?P<req>[^;]+?)\s*;\s*(?:(?P<rest>.+?)\s+and\s+)?extra\s*==\s*["'](?P<extra>[\w.-]+)["']\s*""")


def package_dir() -> Path:
    return Path(autograder.__file__).resolve().parent


def files() -> list[tuple[str, bytes]]:
    """(path inside the grader folder, content): pyproject.toml, a README when it names one, the package."""
    pkg = package_dir()
    out = _packaging(pkg.parent)
    for path in sorted(pkg.rglob("*")):
        if path.is_file() and not SKIPPED_DIRS & set(path.relative_to(pkg).parts) \
                and not path.name.endswith(SKIPPED_SUFFIXES):
            out.append((f"autograder/{path.relative_to(pkg).as_posix()}", path.read_bytes()))
    return out


def _packaging(parent: Path) -> list[tuple[str, bytes]]:
    """The checkout's pyproject.toml and README when the package sits in this project's checkout,
    else a pyproject.toml written from the installed distribution."""
    project = parent / "pyproject.toml"
    try:
        meta = tomllib.loads(project.read_text()).get("project", {})
    except (OSError, tomllib.TOMLDecodeError):
        meta = {}
    if meta.get("name") == DISTRIBUTION:
        out = [("pyproject.toml", project.read_bytes())]
        readme = meta.get("readme")
        if isinstance(readme, str) and (parent / readme).is_file():
            out.append((readme, (parent / readme).read_bytes()))
        return out
    try:
        dist = importlib.metadata.distribution(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        raise ConfigError(f"cannot bundle the grader: {parent} holds no pyproject.toml of {DISTRIBUTION} and "
                          f"{DISTRIBUTION} is not installed (pip install {DISTRIBUTION})") from None
    scripts = {ep.name: ep.value for ep in dist.entry_points if ep.group == "console_scripts"}
    text = pyproject(__version__, dist.metadata.get("Requires-Python") or "", dist.requires or [], scripts)
    return [("pyproject.toml", text.encode())]


def pyproject(version: str, requires_python: str, requires: list[str], scripts: dict[str, str]) -> str:
    """A pyproject.toml for this package from installed metadata: ``requires`` as ``Requires-Dist``
    lines, those marked ``extra == "x"`` going to the optional dependencies of ``x``."""
    deps: list[str] = []
    optional: dict[str, list[str]] = {}
    for line in requires:
        m = EXTRA_MARKER.fullmatch(line)
        if m is None:
            deps.append(line)
        else:
            optional.setdefault(m["extra"], []).append(m["req"] + (f"; {m['rest']}" if m["rest"] else ""))

    def strings(values) -> str:
        return "[" + ", ".join(json.dumps(v) for v in values) + "]"

    lines = ['[build-system]', 'requires = ["setuptools>=68"]', 'build-backend = "setuptools.build_meta"', '',
             '[project]', f'name = {json.dumps(DISTRIBUTION)}', f'version = {json.dumps(version)}']
    if requires_python:
        lines.append(f"requires-python = {json.dumps(requires_python)}")
    lines += [f"dependencies = {strings(deps)}", "", "[project.optional-dependencies]"]
    lines += [f"{json.dumps(extra)} = {strings(reqs)}" for extra, reqs in sorted(optional.items())]
    lines += ["", "[project.scripts]"] + [f"{json.dumps(k)} = {json.dumps(v)}" for k, v in sorted(scripts.items())]
    lines += ["", "[tool.setuptools.packages.find]", 'include = ["autograder*"]', "",
              "[tool.setuptools.package-data]", 'autograder = ["templates/*"]', ""]
    return "\n".join(lines)
