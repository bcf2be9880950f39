"""The layers docs/architecture.md draws, held: no module imports a layer above its own, no
import cycle between modules, and the package's top level stays small.

Read from the source with ``ast`` (every import, lazy ones inside functions included), so a
shortcut taken in a hurry fails here with the edge that breaks the rule named.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "cblod"

#: lowest first: a module may import its own layer and those before it, never one after
LAYERS = [
    "core",  # vocabulary, graph names, terms, errors, small utilities
    "records",  # the record model, values, places, names, identifier rules, mappings
    "query",  # SPARQL: formats, results, the worker processes
    "backends",  # the Dataset protocol, the embedded store, drafts, releases, servers
    "ingest",  # the write path: emit, identity, consolidation, the one writer
    "linking",  # links to external registries and reconciliation services
    "read",  # what a page or a command reads: descriptions, statistics, dumps
    "derived",  # what a release derives: facets, matching, search, kept answers
    "publish",  # an ingest published with what it derives
    "web",  # HTTP
    "cli",  # the command
]
#: modules directly in cblod/ and the layer each belongs to
TOP_LEVEL = {
    "__init__": "core",
    "__main__": "cli",
    "collector": "core",
    "lru": "core",
    "xlsx": "core",
    "publish": "publish",
}
MOST_AT_TOP = 12


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[0] == "mappings":
        parts.insert(0, "cblod")  # mappings/ installs as cblod.mappings
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "core"
    if parts[1] == "mappings":
        return "records"
    return parts[1] if parts[1] in LAYERS else TOP_LEVEL[parts[1]]


def sources() -> list[Path]:
    return sorted([*PACKAGE.rglob("*.py"), *(ROOT / "mappings").rglob("*.py")])


def imports(path: Path) -> list[tuple[str, int]]:
    """(module imported, line) for every import of a cblod module in ``path``."""
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            # `from . import x` and `from cblod import x` import modules x
            names = [alias.name for alias in node.names]
            submodules = [f"{target}.{name}" for name in names]
            found += [(sub if _is_module(sub) else target, node.lineno) for sub in submodules]
    return [(name, line) for name, line in found if name.split(".")[0] == "cblod"]


def _is_module(name: str) -> bool:
    parts = name.split(".")[1:]
    if parts and parts[0] == "mappings":
        base = ROOT / "mappings" / Path(*parts[1:]) if parts[1:] else ROOT / "mappings"
    else:
        base = PACKAGE / Path(*parts) if parts else PACKAGE
    return base.with_suffix(".py").exists() or (base / "__init__.py").exists()


def test_no_module_imports_a_layer_above_its_own():
    upward = []
    for path in sources():
        here = layer_of(module_name(path))
        for target, line in imports(path):
            there = layer_of(target)
            if LAYERS.index(there) > LAYERS.index(here):
                upward.append(
                    f"{path.relative_to(ROOT)}:{line} ({here}) imports {target} ({there})"
                )
    assert upward == []


def test_no_import_cycle_between_modules():
    graph: dict[str, set[str]] = defaultdict(set)
    for path in sources():
        graph[module_name(path)].update(t for t, _ in imports(path) if _is_module(t))
    cycles = []
    state: dict[str, int] = {}  # 1: on the path being walked, 2: done

    def walk(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if nxt == node or _package_of(node, nxt):
                continue  # a package importing its own modules (its __init__) is no cycle
            if state.get(nxt) == 1:
                cycles.append(" -> ".join([*trail[trail.index(nxt) :], nxt]))
            elif nxt not in state:
                walk(nxt, [*trail, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            walk(node, [node])
    assert cycles == []


def _package_of(a: str, b: str) -> bool:
    """True when one of ``a``, ``b`` is a package holding the other."""
    return a.startswith(b + ".") or b.startswith(a + ".")


def test_the_top_level_holds_the_layers_and_a_few_modules():
    modules = sorted(p.stem for p in PACKAGE.glob("*.py"))
    assert set(modules) <= set(TOP_LEVEL), "a new top-level module: place it in a layer"
    assert len(modules) <= MOST_AT_TOP
    folders = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert folders <= set(LAYERS) | {"mappings", "ontology", "samples"}
