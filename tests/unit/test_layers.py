"""Dependencies point down, and the surfaces only name tools that exist.

The layers, lowest first (a module may import its own package and anything in a lower layer):

    tools.core < tools.audience < tools.drafting | tools.ingest | tools.privacy
      < tools.campaigns < tools.reporting < tools (registry, risks, proposals) < scheduler
      < bot.runtime < bot.display < bot.engine < bot.slack | bot.console < bot.web
      < bot.launcher | bot.demo < bot.cli

Imports are read with `ast`, so an import inside a function counts like any other: a cycle hidden
that way is still a cycle. Packages side by side in one layer may not import each other.

Mutations tried: `from bot.engine.conversation import Conversation` inside a function of
`tools/campaigns/lifecycle.py` fails `test_no_module_imports_upward`; `from bot.engine import
agent` at the top of `bot/engine/results.py` fails `test_no_import_cycles`; renaming
"pause_campaign" in the planner's table of verbs fails `test_every_tool_named_in_bot_is_in_the_registry`.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tools import registry

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("tools", "scheduler", "bot")
LAYERS: list[set[str]] = [
    {"tools.core"},
    {"tools.audience"},
    {"tools.drafting", "tools.ingest", "tools.privacy"},
    {"tools.campaigns"},
    {"tools.reporting"},
    {"tools"},
    {"scheduler"},
    {"bot.runtime"},
    {"bot.display"},
    {"bot.engine"},
    {"bot.slack", "bot.console"},
    {"bot.web"},
    {"bot.launcher", "bot.demo"},
    {"bot.cli"},
]
UNITS = sorted(set().union(*LAYERS), key=len, reverse=True)


def module_names() -> dict[str, Path]:
    found = {}
    for source in SOURCES:
        for path in (ROOT / source).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


MODULES = module_names()


def imports_of(name: str, path: Path) -> set[str]:
    """Nudge modules that `name` imports, at any depth of its code."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(up + ([base] if base else []))
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


GRAPH = {name: imports_of(name, path) for name, path in MODULES.items()}


def unit_of(module: str) -> str | None:
    """The layer unit a module belongs to: its package, or the top-level module itself."""
    for unit in UNITS:
        if module == unit or module.startswith(unit + "."):
            if unit == "tools" and module.count(".") > 1:
                continue
            return unit
    return None


def rank(module: str) -> int | None:
    unit = unit_of(module)
    return next((i for i, layer in enumerate(LAYERS) if unit in layer), None)


def test_every_module_has_a_layer():
    placeless = [name for name in MODULES if name not in ("tools", "bot", "scheduler") and rank(name) is None]
    assert not placeless, f"add these to LAYERS (or move them): {placeless}"


def test_no_module_imports_upward():
    upward = []
    for name, targets in GRAPH.items():
        for target in targets:
            mine, theirs = rank(name), rank(target)
            if mine is None or theirs is None or unit_of(name) == unit_of(target):
                continue
            if theirs >= mine:
                upward.append(f"{name} -> {target}")
    assert not upward, "imports that point up or sideways:\n" + "\n".join(sorted(upward))


def test_no_import_cycles():
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in sorted(GRAPH.get(node, ())):
            if state.get(target) == 1:
                cycles.append(" -> ".join(path[path.index(target):] + [target]))
            elif target not in state:
                visit(target, path + [target])
        state[node] = 2

    for name in sorted(GRAPH):
        if name not in state:
            visit(name, [name])
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


# A literal shaped like a tool name (one of the registry's verbs, then words, and not a field
# such as "draft_id") is a tool name, wherever it sits: a call, a planner row, a dict of verbs.
VERBS = {name.split("_")[0] for name in registry.BY_NAME}
TOOL_SHAPED = re.compile(r"[a-z]+(_[a-z]+)+")


def tool_names_used_in_bot() -> set[tuple[str, str]]:
    used = set()
    for name, path in MODULES.items():
        if not name.startswith("bot"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                    and TOOL_SHAPED.fullmatch(node.value) and node.value.split("_")[0] in VERBS
                    and not re.search(r"_ids?$", node.value)):
                used.add((name, node.value))
    return used


def test_every_tool_named_in_bot_is_in_the_registry():
    used = tool_names_used_in_bot()
    assert len({tool for _, tool in used}) > 20, "the scan should find the planner's and the buttons' tool names"
    unknown = sorted(f"{module}: {tool}" for module, tool in used if tool not in registry.BY_NAME)
    assert not unknown, "tool names that are not in tools/registry.py:\n" + "\n".join(unknown)


@pytest.mark.parametrize("package", ["tools", "bot"])
def test_no_module_is_over_about_400_lines(package):
    # A module a newcomer can read whole; "about": 440 leaves room for a docstring that grows.
    long = {str(path.relative_to(ROOT)): count for name, path in MODULES.items()
            if name.startswith(package) and (count := len(path.read_text().splitlines())) > 440}
    assert not long, f"split these modules: {long}"
