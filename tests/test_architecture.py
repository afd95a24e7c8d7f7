"""Data flows one way: no import cycle among the `triage` modules, counting the imports inside
functions (they run too, only later), and the layers the design names stay apart."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import ROOT

PACKAGE = ROOT / "triage"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def runtime_imports(tree: ast.AST, package: str) -> set[str]:
    """The `triage` modules a module imports when it runs: at its top and inside functions, but
    not under `if TYPE_CHECKING:` (annotations only: those never run)."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.split(".")[0] == "triage")
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package.split(".")[: len(package.split(".")) - node.level + 1], base])
                base = base.rstrip(".")
            if base.split(".")[0] == "triage":
                found.add(base)
                # `from triage import _engine` imports the module triage._engine
                found.update(f"{base}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def import_graph() -> dict[str, set[str]]:
    paths = sorted(PACKAGE.rglob("*.py"))
    modules = {module_name(path): path for path in paths}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        imported = runtime_imports(ast.parse(path.read_text(encoding="utf-8")), package)
        # A package's own __init__ runs first in any import of its modules: not an edge back.
        graph[name] = {target for target in imported if target in modules and target != name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle (as a path that ends where it starts), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def walk(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state:
                found = walk(target)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = walk(node)
            if found:
                return found
    return None


def package_free(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The graph without edges into the package `triage` itself (its __init__ re-exports the public
    face lazily; modules that import it for that are consumers, like cli.py)."""
    return {name: {t for t in targets if t != "triage"} for name, targets in graph.items()}


def test_no_import_cycle_among_the_triage_modules() -> None:
    cycle = find_cycle(package_free(import_graph()))
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_cycle_finder_finds_a_cycle_through_a_function_level_import() -> None:
    tree = ast.parse("import os\n\ndef later():\n    from triage._b import thing\n")
    assert runtime_imports(tree, "triage") == {"triage._b", "triage._b.thing"}
    graph = {"triage._a": {"triage._b"}, "triage._b": {"triage._c"}, "triage._c": {"triage._a"}}
    assert find_cycle(graph) == ["triage._a", "triage._b", "triage._c", "triage._a"]
    assert find_cycle({"triage._a": {"triage._b"}, "triage._b": set()}) is None


def test_type_checking_imports_are_not_runtime_imports() -> None:
    source = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from triage._a import A\n"
    assert runtime_imports(ast.parse(source), "triage") == set()


@pytest.mark.parametrize(
    ("module", "must_not_import"),
    [
        # the pack knows neither the engine's form of conditions nor its limits
        ("triage._pack", "triage.engine"),
        ("triage._pack", "triage.engine._conditions"),
        ("triage._pack", "triage.engine._durable_rules"),
        ("triage._whatif", "triage._advisor"),
        ("triage._why_not", "triage._advisor"),
    ],
)
def test_lower_layers_do_not_import_higher_ones(module: str, must_not_import: str) -> None:
    assert must_not_import not in import_graph()[module]


def test_the_rest_of_triage_reaches_the_engine_through_its_door_alone() -> None:
    graph = import_graph()
    reaching_in = {
        (name, target)
        for name, targets in graph.items()
        if not name.startswith("triage.engine")
        for target in targets
        if target.startswith("triage.engine.")
    }
    assert reaching_in == set()


def test_only_the_durable_rules_engine_module_imports_durable_rules() -> None:
    importers = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            if any(name.split(".")[0] in {"durable", "durable_rules_engine"} for name in names):
                importers.add(module_name(path))
    assert importers == {"triage.engine._durable_rules"}
