"""The package's shape, measured: modules and their lines, import edges and cycles,
and how much of the hidden tests is tests rather than helpers.

    python3 bench/layout.py [--tree DIR] [--markdown]

``--tree`` measures another checkout (e.g. ``git worktree add /tmp/old a3a48dc``)
so that two commits can be compared with the same ruler.

Counting rule for the tests: a line is a *test line* when it is inside a
top-level ``def test_*`` of a ``tests/hidden/test_*.py`` file; a *helper
line* is any other line of a top-level statement in those files, except
imports and the module docstring; the support modules next to them
(``tests/support.py``, ``tests/public_support.py``) are counted apart, the
same way.
Blank lines and comment-only lines count as neither.
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(HERE / "tests"))
from test_layout import cycles, import_graph  # noqa: E402


def code_lines(source: str, first: int, last: int) -> int:
    lines = source.splitlines()[first - 1:last]
    return sum(1 for line in lines if line.strip() and not line.strip().startswith("#"))


def test_and_helper_lines(path: Path) -> tuple[int, int]:
    source = path.read_text()
    tree = ast.parse(source)
    tests = helpers = 0
    for i, node in enumerate(tree.body):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        if i == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # the module docstring
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        n = code_lines(source, first, node.end_lineno)
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_") and path.name.startswith("test_"):
            tests += n
        else:
            helpers += n
    return tests, helpers


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tree", type=Path, default=HERE)
    args = parser.parse_args()
    package = args.tree / "autograder"
    modules = sorted(package.rglob("*.py"))
    graph = import_graph(package)
    print(f"{'module':40s} lines")
    for path in modules:
        print(f"{str(path.relative_to(args.tree)):40s} {path.read_text().count(chr(10)):5d}")
    print(f"modules: {len(modules)}; lines: {sum(p.read_text().count(chr(10)) for p in modules)}; "
          f"over 400 lines: {sum(p.read_text().count(chr(10)) > 400 for p in modules)}")
    print(f"import edges inside the package: {sum(len(v) for v in graph.values())}; cycles: {cycles(graph)}")
    print()
    print(f"{'assignment':16s} {'test lines':>10s} {'helpers in test files':>22s} {'support modules':>16s}")
    totals = [0, 0, 0]
    for folder in sorted((args.tree / "assignments").glob("*/tests")):
        row = [0, 0, 0]
        for path in sorted((folder / "hidden").glob("*.py")):
            dt, dh = test_and_helper_lines(path)
            row[0], row[1] = row[0] + dt, row[1] + dh
        for path in sorted(folder.glob("*.py")):  # support.py, public_support.py
            row[2] += sum(test_and_helper_lines(path))
        totals = [a + b for a, b in zip(totals, row)]
        print(f"{folder.parent.name:16s} {row[0]:10d} {row[1]:22d} {row[2]:16d}")
    print(f"{'total':16s} {totals[0]:10d} {totals[1]:22d} {totals[2]:16d}")


if __name__ == "__main__":
    main()
