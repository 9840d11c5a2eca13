"""The layers of allyshore point one way.

Every import between the parts of ``src/allyshore`` (its subpackages and top-level modules, "units") is read
from the source with :mod:`ast`: module-level, function-local and ``TYPE_CHECKING`` imports, relative imports,
``importlib.import_module("allyshore...")`` and the lazy public names of the package (``allyshore.exposure``
after ``import allyshore``). A unit may import units of its own layer and of the layers below, never of a layer
above, and no units import each other in a cycle. The direction is written once, in :data:`LAYERS`.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import allyshore

SRC = Path(allyshore.__file__).resolve().parent
ROOT_UNIT = "allyshore"  # the package itself: its eager part is __version__ and the exception tree

#: The layers, top first: the surfaces a user meets, the workflows over several analyses, the analyses, the network
#: model with its readers and writers, and the base every part may use. A unit imports its own layer and the layers
#: below it.
LAYERS: tuple[tuple[str, frozenset[str]], ...] = (
    ("surfaces", frozenset({"__main__", "cli", "report", "web"})),
    # workflows over several analyses: advisor prices the origin advisor's re-sourcing at landed cost (cost
    # imports origin); certify_records certifies the store's saved determinations (store imports origin);
    # optimize chooses sources with the cost, trust, origin, exposure and resilience engines; catalog names
    # the analyses a command or a web run can be (name + options -> result), shared by every surface
    ("workflows", frozenset({"advisor", "catalog", "certify_records", "optimize"})),
    # store keeps origin determinations (it reads origin's results)
    ("analyses", frozenset({"exposure", "trust", "origin", "cost", "resilience", "store", "capacity", "immex", "tiva"})),
    # samples and generate make networks (lane_rules: the generator's lanes), geography gives distances, regions
    # and border crossings, _lp builds the analyses' LPs
    ("model and io", frozenset({"model", "io", "samples", "generate", "lane_rules", "geography", "_lp"})),
    # results: the mixin every result shares (JSON, tables); conventions: the calling convention's types
    ("base", frozenset({"errors", "countries", "results", "conventions", ROOT_UNIT})),
)

#: Imports allowed although they break the rule: (importing module, imported module) -> why.
EXCEPTIONS: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class Import:
    source: str  # the importing module, dotted
    target: str  # the imported module, dotted
    where: str  # path:line, for messages


def module_of(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def unit_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ROOT_UNIT


def _is_module(dotted: str) -> bool:
    path = SRC.parent.joinpath(*dotted.split("."))
    return path.is_dir() or path.with_suffix(".py").exists()


def _root_name(name: str) -> str:
    """The module a name taken from the package root comes from: a submodule, a lazy public name, or the root."""
    if _is_module(f"{ROOT_UNIT}.{name}"):
        return f"{ROOT_UNIT}.{name}"
    return allyshore._LAZY.get(name, ROOT_UNIT)


def _type_checking_blocks(tree: ast.Module) -> set[int]:
    """ids of the nodes inside ``if TYPE_CHECKING:`` blocks."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
            inside.update(id(child) for stmt in node.body for child in ast.walk(stmt))
    return inside


def imports_of(path: Path, module: str | None = None) -> Iterator[Import]:
    """Every import of an allyshore module in the file at ``path`` (the module ``module``, by default the one
    the path names under ``src``)."""
    module = module or module_of(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    # The root's TYPE_CHECKING block mirrors its lazy table (the public facade), resolved where each name is used.
    skipped = _type_checking_blocks(tree) if module == ROOT_UNIT else set()
    where = f"{path.relative_to(SRC.parent) if path.is_relative_to(SRC.parent) else path.name}:"
    bare_root = False
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        targets: list[str] = []
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == ROOT_UNIT:
                    bare_root = bare_root or alias.asname is None
                    targets.append(ROOT_UNIT)
                elif alias.name.startswith(f"{ROOT_UNIT}."):
                    targets.append(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            else:
                base = node.module or ""
            if base == ROOT_UNIT:
                targets += [_root_name(alias.name) for alias in node.names]
            elif base.startswith(f"{ROOT_UNIT}."):
                targets += [f"{base}.{a.name}" if _is_module(f"{base}.{a.name}") else base for a in node.names]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            name = ast.unparse(node.func)
            value = node.args[0].value
            if name.endswith("import_module") and isinstance(value, str) and value.startswith(ROOT_UNIT):
                targets.append(value)
        for target in targets:
            yield Import(module, target, f"{where}{node.lineno}")
    if bare_root:  # `import allyshore` then `allyshore.name`: the name's module is imported where it is used
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == ROOT_UNIT:
                yield Import(module, _root_name(node.attr), f"{where}{node.lineno}")


def all_imports() -> list[Import]:
    return [found for path in sorted(SRC.rglob("*.py")) for found in imports_of(path)]


def layer_of(unit: str) -> int:
    for index, (_, units) in enumerate(LAYERS):
        if unit in units:
            return index
    raise KeyError(unit)


def _excepted(found: Import) -> bool:
    return any(
        found.source == source and (found.target == target or found.target.startswith(f"{target}."))
        for source, target in EXCEPTIONS
    )


def unit_graph(imports: list[Import]) -> dict[str, dict[str, list[Import]]]:
    """unit -> imported unit -> the imports behind the edge (excepted imports left out)."""
    graph: dict[str, dict[str, list[Import]]] = defaultdict(lambda: defaultdict(list))
    for found in imports:
        source, target = unit_of(found.source), unit_of(found.target)
        if source != target and not _excepted(found):
            graph[source][target].append(found)
    return graph


def cycles(graph: dict[str, dict[str, list[Import]]]) -> list[list[str]]:
    """The strongly connected groups of more than one unit (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(unit: str) -> None:
        index[unit] = low[unit] = len(index)
        stack.append(unit)
        on_stack.add(unit)
        for nxt in graph.get(unit, {}):
            if nxt not in index:
                visit(nxt)
                low[unit] = min(low[unit], low[nxt])
            elif nxt in on_stack:
                low[unit] = min(low[unit], index[nxt])
        if low[unit] == index[unit]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == unit:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for unit in sorted({*graph, *(t for targets in graph.values() for t in targets)}):
        if unit not in index:
            visit(unit)
    return groups


@pytest.fixture(scope="module")
def imports() -> list[Import]:
    return all_imports()


def test_the_reader_sees_every_kind_of_import(tmp_path: Path) -> None:
    """Function-local, TYPE_CHECKING, relative, import_module and lazy-name imports are all edges."""
    found = {(i.source, i.target) for i in all_imports()}
    assert ("allyshore.model.network", "allyshore.model.parse") in found  # function-local, in from_dict
    assert ("allyshore.report.context", "allyshore.cost.results") in found  # under TYPE_CHECKING
    assert ("allyshore.cli.report", "allyshore.samples") in found  # `import allyshore`; allyshore.load_sample
    assert ("allyshore.store.store", ROOT_UNIT) in found  # from allyshore import __version__
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import importlib\nfrom . import _common\nfrom .. import trust\n\n\ndef f():\n"
        "    importlib.import_module('allyshore.cost.kernel')\n    from allyshore import exposure\n"
    )
    targets = {i.target for i in imports_of(probe, "allyshore.cli.probe")}
    assert targets == {"allyshore.cli._common", "allyshore.trust", "allyshore.cost.kernel", "allyshore.exposure"}


def test_every_unit_has_a_layer(imports: list[Import]) -> None:
    placed = [unit for _, units in LAYERS for unit in units]
    assert len(placed) == len(set(placed)), "a unit is placed in two layers"
    units = {unit_of(module_of(path)) for path in SRC.rglob("*.py")}
    missing = sorted(units - set(placed))
    assert not missing, f"place {', '.join(missing)} in a layer of LAYERS (tests/test_architecture.py)"


def test_no_import_points_up(imports: list[Import]) -> None:
    upward = [
        f"{found.where}: {found.source} ({LAYERS[layer_of(source)][0]}) imports {found.target} "
        f"({LAYERS[layer_of(target)][0]})"
        for source, targets in unit_graph(imports).items()
        for target, edge in targets.items()
        if layer_of(target) < layer_of(source)
        for found in edge
    ]
    assert not upward, "imports pointing up a layer:\n" + "\n".join(upward)


def test_no_units_import_each_other_in_a_cycle(imports: list[Import]) -> None:
    graph = unit_graph(imports)
    found = cycles(graph)
    details = [
        f"{' <-> '.join(group)}: "
        + "; ".join(f"{i.where} {i.source} -> {i.target}" for a in group for b in group for i in graph[a].get(b, []))
        for group in found
    ]
    assert not found, "units importing each other:\n" + "\n".join(details)


def test_every_exception_is_still_needed(imports: list[Import]) -> None:
    used = {(source, target) for source, target in EXCEPTIONS for i in imports if _excepted(i) and i.source == source}
    assert used == set(EXCEPTIONS), f"exceptions no import needs any more: {set(EXCEPTIONS) - used}"


def test_the_model_reads_no_file_format_and_the_analyses_draw_nothing(imports: list[Import]) -> None:
    """The two back-references this rule removed stay gone: model -> io, and cost or resilience -> report."""
    edges = {(unit_of(i.source), unit_of(i.target)) for i in imports}
    assert ("model", "io") not in edges
    assert not {("cost", "report"), ("resilience", "report"), ("origin", "report")} & edges


def test_origin_never_imports_cost(imports: list[Import]) -> None:
    """cost asks origin for USMCA preference; the advisor that prices origin's plans at landed cost composes the two
    from above (allyshore.advisor), so the edge back from origin to cost stays gone."""
    edges = {(unit_of(i.source), unit_of(i.target)) for i in imports}
    assert ("cost", "origin") in edges
    assert ("origin", "cost") not in edges
