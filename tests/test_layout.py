"""The package's layout stays as the README draws it: no import cycles, small modules.

Imports are read with ``ast`` (module level and inside functions alike: a
lazy import is still a dependency), so the graph is the code's, not a list
kept by hand.
"""

from __future__ import annotations

import ast
from pathlib import Path

from helpers import REPO

PACKAGE = REPO / "autograder"
MAX_LINES = 400  # beyond this a module must say in its docstring why it is one piece ("one piece")


def module_name(path: Path, top: Path) -> str:
    parts = path.relative_to(top).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    modules = {module_name(p, root.parent): p for p in root.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text())):
            targets = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1] + ([base] if base else []))
                targets = [base] + [f"{base}.{a.name}" for a in node.names]
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name and not name.startswith(target + "."):
                    graph[name].add(target)  # a package's __init__ imported by its own module is not an edge
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_package_has_no_import_cycle():
    assert cycles(import_graph()) == []


def test_the_cycle_finder_finds_a_cycle(tmp_path):
    """The check above can fail: two modules importing each other are found."""
    pkg = tmp_path / "autograder"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from autograder import b\n")
    (pkg / "b.py").write_text("def f():\n    from autograder.a import x\n")
    (pkg / "c.py").write_text("import autograder.a\n")
    assert cycles(import_graph(pkg)) == [["autograder.a", "autograder.b"]]


def test_long_modules_say_why_they_are_one_piece():
    long = []
    for path in sorted(PACKAGE.rglob("*.py")):
        lines = path.read_text().count("\n")
        doc = ast.get_docstring(ast.parse(path.read_text())) or ""
        if lines > MAX_LINES and "one piece" not in doc:
            long.append(f"{path.relative_to(REPO)}: {lines} lines")
    assert long == []


def test_the_cluster_side_scores_nothing_and_never_calls_back_into_the_api():
    graph = import_graph()
    for name in ("autograder.cluster", "autograder.cluster_worker", "autograder.pool"):
        assert not graph[name] & {"autograder.api", "autograder.score", "autograder.gradebook", "autograder.report"}, name
