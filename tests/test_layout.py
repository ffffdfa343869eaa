"""The design the layout shows: one subpackage per stage of the data flow, which stage may
import which (and which outside library), no cycles, and the package's public names.

The rules read every import statement of the package, those inside functions and under
`TYPE_CHECKING` included: a late import is still a dependency.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

import quotegold
from quotegold import labelstudio
from quotegold.errors import QuotegoldError

PACKAGE = Path(quotegold.__file__).parent

# What every stage shares; nothing else sits at the top of the package.
TOP_LEVEL_MODULES = {"__init__", "__main__", "errors", "scratch", "settings"}
STAGES = {
    "learn",
    "importers",
    "schema",
    "articles",
    "preannotate",
    "labelstudio",
    "gold",
    "dataset",
    "measure",
    "report",
    "workflows",
    "cli",
}
# Stages that combine Label Studio calls with the pure ones, and the CLI above them.
SERVER_USERS = {"workflows", "cli"}


def module_name(path: Path) -> str:
    """`gold.convert` for src/quotegold/gold/convert.py; `gold` for its `__init__`."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" and len(parts) > 1 else parts)


def stage_of(module: str) -> str:
    return module.split(".")[0]


def imported_modules(tree: ast.AST, module: str, known: set[str]) -> Iterator[str]:
    """Every absolute module name an import statement of `tree` names: relative imports are
    resolved against `module`, and `from package import submodule` names the submodule
    (`known` holds the dotted names of the modules that exist)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ["quotegold", *module.split(".")][: -node.level or None]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            for alias in node.names:
                submodule = f"{prefix}.{alias.name}"
                yield submodule if submodule in known else prefix


@cache
def import_graph() -> dict[str, frozenset[str]]:
    """Each quotegold module and the modules it imports: quotegold ones as `stage.module`,
    outside ones by their full dotted name."""
    modules = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    known = {f"quotegold.{module}" for module in modules}
    graph: dict[str, frozenset[str]] = {}
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        found = set()
        for name in imported_modules(tree, module, known):
            if name == "quotegold" or name.startswith("quotegold."):
                inner = name.removeprefix("quotegold").removeprefix(".") or "__init__"
                if inner in modules:
                    found.add(inner)
            else:
                found.add(name)
        graph[module] = frozenset(found - {module})
    return graph


def importers(target: str) -> set[str]:
    """The quotegold modules that import `target` (a library, or a quotegold stage)."""
    return {
        module
        for module, imported in import_graph().items()
        if any(name == target or name.startswith(f"{target}.") for name in imported)
    }


def test_the_package_top_holds_only_what_every_stage_shares() -> None:
    top_modules = {path.stem for path in PACKAGE.glob("*.py")}
    packages = {path.parent.name for path in PACKAGE.glob("*/__init__.py")}
    assert top_modules == TOP_LEVEL_MODULES
    assert len(top_modules) <= 5
    assert packages == STAGES


def test_every_module_says_what_it_is_for() -> None:
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assert ast.get_docstring(tree), f"{path.relative_to(PACKAGE)} has no module docstring"


def test_only_workflows_and_the_cli_talk_to_label_studio() -> None:
    users = {stage_of(module) for module in importers("labelstudio")} - {"labelstudio"}
    assert users, "the walk must find the Label Studio boundary's users"
    assert users <= SERVER_USERS, users


def test_only_the_label_studio_boundary_imports_the_sdk() -> None:
    found = {stage_of(module) for module in importers("label_studio_sdk")}
    assert found == {"labelstudio"}


def test_only_the_dataset_stage_imports_datasets_and_arrow() -> None:
    assert {stage_of(module) for module in importers("datasets")} == {"dataset"}
    assert {stage_of(module) for module in importers("pyarrow")} <= {"dataset"}


def test_the_schema_depends_on_nothing_but_errors() -> None:
    schema_modules = [module for module in import_graph() if stage_of(module) == "schema"]
    for module in schema_modules:
        inner = {name for name in import_graph()[module] if name in import_graph()}
        assert {stage_of(name) for name in inner} <= {"schema", "errors"}, (module, inner)


@pytest.mark.parametrize("upper", sorted(SERVER_USERS))
def test_no_stage_imports_the_workflows_or_the_cli(upper: str) -> None:
    allowed = {"cli", "__main__"} | ({"workflows"} if upper == "workflows" else set())
    assert {stage_of(module) for module in importers(upper)} <= allowed


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of `graph` as a path, or None."""
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = "done"
        path.pop()
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_cycles_between_modules_or_between_stages() -> None:
    graph = import_graph()
    modules = {
        module: {name for name in imported if name in graph} for module, imported in graph.items()
    }
    stages: dict[str, set[str]] = {}
    for module, imported in modules.items():
        stages.setdefault(stage_of(module), set()).update(
            stage_of(name) for name in imported if stage_of(name) != stage_of(module)
        )
    assert _cycle(modules) is None
    assert _cycle(stages) is None


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_public_names_are_the_errors_and_the_version() -> None:
    errors = {name for name in quotegold.__all__ if name != "__version__"}
    assert "__version__" in quotegold.__all__
    assert all(issubclass(getattr(quotegold, name), QuotegoldError) for name in errors)
    defined = {
        name
        for name, value in vars(quotegold.errors).items()
        if isinstance(value, type) and issubclass(value, QuotegoldError)
    }
    assert errors == defined, "every error class is public, and nothing else is"


def test_the_label_studio_package_exports_its_client_and_records() -> None:
    assert sorted(labelstudio.__all__) == [
        "Annotator",
        "LabelStudioClient",
        "Project",
        "ProjectSync",
        "StoredPrediction",
        "User",
    ]
    assert all(
        getattr(labelstudio, name).__module__.startswith("quotegold.labelstudio.")
        for name in labelstudio.__all__
    )
