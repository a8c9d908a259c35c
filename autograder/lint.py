"""Static checks of an assignment's tests: mistakes that running them cannot show.

``validate`` grades the reference with every test, and a run that includes
hidden tests gives the ``reference`` fixture to all of its tests, so a
public test that asks for the reference passes there. Students run the
public tests without it (``autograder check``, ``grader.check``, their
release folder has no solution), and such a test breaks for every one of
them. So the public test files are read with ``ast``, never run, and a test
asks for the reference when ``reference`` is:

- one of its parameters (a method's first, ``self``, aside), default or not:
  the grader fills every parameter it knows, and fails on one it lacks;
- named by ``pytest.mark.usefixtures(...)`` on the function, on its class, or
  in the ``pytestmark`` of the class or the module (a mark kept in a
  module-level name and applied as ``@name`` counts too);
- a parameter that ``pytest.mark.parametrize(..., indirect=True)`` (or an
  ``indirect`` list naming it) hands to a fixture. A parameter that
  ``parametrize`` fills directly is a value, not a fixture request.
"""

from __future__ import annotations

import ast

from autograder.config import Assignment

HIDDEN_ONLY_FIXTURES = ("reference",)


def public_fixture_problems(assignment: Assignment) -> list[str]:
    """One line per public test that asks for a fixture students do not have."""
    problems = []
    folder = assignment.tests_dir("public")
    for path in sorted(folder.glob("test_*.py")) if folder.is_dir() else []:
        try:
            tree = ast.parse(path.read_text(), str(path))
        except SyntaxError:  # reported when its tests are loaded: a grader error of its part
            continue
        where = path.relative_to(assignment.root).as_posix()
        for test, fixtures in requests(tree):
            for name in HIDDEN_ONLY_FIXTURES:
                if name in fixtures:
                    problems.append(f"public test {where}::{test} uses the {name} fixture, "
                                    "which students do not have")
    return problems


def requests(tree: ast.Module) -> list[tuple[str, set[str]]]:
    """(test name, the fixtures it asks for) for each test function of a module, ``Class::method`` for methods."""
    named = {t.id: node.value for node in tree.body if isinstance(node, ast.Assign)
             for t in node.targets if isinstance(t, ast.Name)}  # marks kept in names: `needs = pytest.mark...`
    module_marks = _pytestmark(tree.body, named)
    found = []
    for node in tree.body:
        if _is_test(node):
            found.append((node.name, _fixtures(node, module_marks, named, method=False)))
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            marks = module_marks + [_resolve(d, named) for d in node.decorator_list] + _pytestmark(node.body, named)
            found += [(f"{node.name}::{f.name}", _fixtures(f, marks, named, method=True))
                      for f in node.body if _is_test(f)]
    return found


def _is_test(node) -> bool:
    return isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test")


def _pytestmark(body: list, named: dict) -> list:
    """The marks a module's or class's ``pytestmark = mark`` (or a list or tuple of marks) applies."""
    marks = []
    for node in body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "pytestmark"
                                                for t in node.targets):
            value = node.value
            marks += [_resolve(v, named) for v in value.elts] if isinstance(value, (ast.List, ast.Tuple)) \
                else [_resolve(value, named)]
    return marks


def _resolve(node, named: dict):
    """A mark written through a module-level name (``@needs_ref``) is the mark that name holds."""
    return named.get(node.id, node) if isinstance(node, ast.Name) else node


def _fixtures(func, inherited: list, named: dict, method: bool) -> set[str]:
    positional = func.args.posonlyargs + func.args.args
    wanted = {a.arg for a in (positional[1:] if method else positional) + func.args.kwonlyargs}
    direct, indirect = set(), set()
    for mark in inherited + [_resolve(d, named) for d in func.decorator_list]:
        kind = _mark_name(mark)
        if kind == "usefixtures":
            wanted |= {a.value for a in mark.args if isinstance(a, ast.Constant) and isinstance(a.value, str)}
        elif kind == "parametrize" and mark.args:
            names = _argnames(mark.args[0])
            through = _indirect(mark, names)
            indirect |= through
            direct |= names - through
    return (wanted - direct) | indirect


def _mark_name(node) -> str | None:
    """``usefixtures`` for ``pytest.mark.usefixtures(...)`` or ``mark.usefixtures(...)``; likewise parametrize."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def _argnames(node) -> set[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {n.strip() for n in node.value.split(",") if n.strip()}
    if isinstance(node, (ast.List, ast.Tuple)):
        return {e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)}
    return set()


def _indirect(mark: ast.Call, names: set[str]) -> set[str]:
    """The argnames a parametrize hands to fixtures: all with ``indirect=True``, those listed otherwise."""
    given = [kw.value for kw in mark.keywords if kw.arg == "indirect"] or mark.args[2:3]  # keyword or 3rd argument
    if not given:
        return set()
    if isinstance(given[0], ast.Constant):
        return set(names) if given[0].value is True else set()
    if isinstance(given[0], (ast.List, ast.Tuple)):
        return {e.value for e in given[0].elts if isinstance(e, ast.Constant)} & names
    return set()
