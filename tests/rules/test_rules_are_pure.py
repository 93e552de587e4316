"""The rules read only their own files: no Flask, no database, no clock, and no import cycle among them."""

from __future__ import annotations

import ast
import sys
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

RULES = Path(__file__).resolve().parents[2] / "ivr" / "rules"
MODULES = sorted(RULES.glob("*.py"))
# The packages the rules are allowed beside the standard library: data, not frameworks.
DATA_PACKAGES = {"holidays", "zipcodes"}
CLOCK_CALLS = {"now", "utcnow", "today", "monotonic", "perf_counter", "time_ns"}


def module_name(path: Path) -> str:
    return "ivr.rules" if path.stem == "__init__" else f"ivr.rules.{path.stem}"


def imports(tree: ast.AST) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def module_level_imports(tree: ast.Module) -> set[str]:
    # Imports inside a function run when it is called, so only these can make an import cycle.
    return imports(
        ast.Module(body=[node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))])
    )


def parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.name)
def test_a_rules_module_imports_only_the_standard_library_data_packages_and_the_rules(path: Path) -> None:
    outside = {
        name
        for name in imports(parse(path))
        if name.split(".")[0] not in sys.stdlib_module_names | DATA_PACKAGES
        and not (name == "ivr.rules" or name.startswith("ivr.rules."))
    }
    assert outside == set()


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.name)
def test_a_rules_module_never_reads_the_clock(path: Path) -> None:
    calls = [
        node.func.attr
        for node in ast.walk(parse(path))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in CLOCK_CALLS
    ]
    assert calls == []


def test_the_rules_modules_import_one_another_without_a_cycle() -> None:
    graph = {
        module_name(path): {
            name for name in module_level_imports(parse(path)) if name.startswith("ivr.rules")
        }
        for path in MODULES
    }
    try:
        tuple(TopologicalSorter(graph).static_order())
    except CycleError as error:
        pytest.fail(f"import cycle among the rules: {error.args[1]}")
