"""Start-up stays short: lazy public names, command modules imported on demand, no heavy import before it is needed.

The times themselves are measured by ``benchmarks/bench_startup.py`` (docs/benchmarks.md); these tests pin what
keeps them short, which does not depend on the machine's load.
"""

from __future__ import annotations

import ast
import json
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import allyshore
from allyshore import errors
from allyshore.cli import COMMAND_MODULES, _register, app
from allyshore.countries import _codes, resolve_country
from allyshore.model.graph import consumer_matrix, longest_path_from, longest_path_of_edges

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "src" / "allyshore" / "data" / "samples" / "infusion-pump.json"
#: Libraries no start-up should load before a command needs them.
HEAVY = ("scipy", "networkx", "openpyxl", "jinja2", "sqlalchemy", "dask", "highspy", "reportlab", "pycountry")


def modules_after(*argv: str) -> set[str]:
    """Top-level packages imported by ``allyshore ARGV`` in a fresh interpreter (the command's exit ignored)."""
    script = (
        "import json, sys\n"
        "from allyshore.cli import main\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
        "sys.stderr.write('\\nMODULES ' + json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, *argv], capture_output=True, text=True, check=False, cwd=ROOT, timeout=120
    )
    line = done.stderr.rsplit("MODULES ", 1)[-1]
    return set(json.loads(line))


def test_import_allyshore_loads_no_library() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import sys, allyshore; print(sorted({m.split('.')[0] for m in sys.modules}))"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    loaded = set(ast.literal_eval(done.stdout))
    assert not loaded & {"polars", "numpy", "pydantic", "typer", "rich", *HEAVY}


def test_help_loads_no_analysis_library() -> None:
    loaded = modules_after("--help")
    assert not loaded & {"polars", "numpy", "pydantic", *HEAVY}


def test_validate_loads_only_what_reading_needs() -> None:
    loaded = modules_after("validate", str(SAMPLE))
    assert {"polars", "numpy"} <= loaded  # typed tables and the graph checks need them
    assert not loaded & set(HEAVY)


def test_public_names_are_complete_and_lazy() -> None:
    """``__all__`` = the exception tree, the version and every lazy name; the TYPE_CHECKING imports mirror the
    lazy table (so type checkers see the real signatures), and every name resolves to its module's object."""
    exceptions = {"AllyshoreError", "InputError", "NotFoundError", "Problem", "ValidationError"}
    assert set(allyshore.__all__) == exceptions | {"__version__"} | set(allyshore._LAZY)
    assert len(allyshore.__all__) == len(set(allyshore.__all__))
    assert all(getattr(allyshore, name) is getattr(errors, name) for name in exceptions)
    tree = ast.parse(Path(allyshore.__file__).read_text(encoding="utf-8"))
    guarded = next(node for node in tree.body if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING")
    mirrored = {
        alias.name: stmt.module for stmt in guarded.body if isinstance(stmt, ast.ImportFrom) for alias in stmt.names
    }
    assert mirrored == allyshore._LAZY
    for name, module in allyshore._LAZY.items():
        assert getattr(allyshore, name) is getattr(__import__(module, fromlist=[name]), name), name
    assert set(allyshore._LAZY) <= set(dir(allyshore))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        allyshore.nope  # noqa: B018


def test_command_modules_name_where_each_command_is_defined() -> None:
    """Running a command of :data:`COMMAND_MODULES` imports only that module: it must define the command, and a
    group (whose sub-commands may live in several modules) must not be listed."""
    _register()
    defined = {
        info.name or info.callback.__name__.replace("_", "-"): info.callback.__module__
        for info in app.registered_commands
        if info.callback is not None
    }
    groups = {info.name for info in app.registered_groups}
    for command, module in COMMAND_MODULES.items():
        assert command not in groups, command
        assert defined.get(command) == f"allyshore.cli.{module}", command
    assert "validate" in COMMAND_MODULES


def test_a_listed_command_runs_alone(tmp_path: Path) -> None:
    """In a fresh interpreter, ``validate`` imports its own command module and no other."""
    script = (
        "import sys\n"
        "from allyshore.cli import main\n"
        "try:\n    main(['validate', sys.argv[1]])\nexcept SystemExit as exit:\n    code = exit.code\n"
        "print(code, sorted(m for m in sys.modules if m.startswith('allyshore.cli.') and m != 'allyshore.cli._common'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(SAMPLE)], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip().splitlines()[-1] == "0 ['allyshore.cli.network']"


def test_country_codes_resolve_without_pycountry_as_pycountry_does() -> None:
    """The shipped table's alpha-2 and alpha-3 codes resolve as pycountry resolves them (XK: a user-assigned code)."""
    import pycountry

    for code, alpha2 in _codes().items():
        if alpha2 == "XK":
            continue
        assert pycountry.countries.lookup(code).alpha_2 == alpha2, code
        assert resolve_country(code.lower()) == alpha2
    assert len(set(_codes().values())) == 250


def _depth_by_recursion(edges: list[tuple[int, int]], n: int) -> list[int]:
    below: dict[int, list[int]] = {i: [] for i in range(n)}
    for consumer, supplier in edges:
        below[consumer].append(supplier)
    memo: dict[int, int] = {}

    def depth(node: int) -> int:
        if node not in memo:
            memo[node] = 1 + max((depth(s) for s in below[node]), default=0)
        return memo[node]

    return [depth(i) for i in range(n)]


@pytest.mark.parametrize("seed", range(20))
def test_longest_path_of_edges_is_the_recursive_depth(seed: int) -> None:
    """Random DAGs (edges from a higher to a lower number, duplicates allowed): the level-by-level peel gives the
    longest chain below each node; any back edge makes a cycle, which is refused."""
    rng = random.Random(seed)
    n = rng.randint(1, 40)
    edges = [(a, b) for _ in range(rng.randint(0, 3 * n)) for a, b in [sorted(rng.sample(range(n), 2))[::-1]] if n > 1]
    edges += edges[: rng.randint(0, len(edges))]  # repeated edges (two flows on one lane)
    consumer = np.asarray([c for c, _ in edges], dtype=np.int64)
    supplier = np.asarray([s for _, s in edges], dtype=np.int64)
    expected = _depth_by_recursion(edges, n)
    assert longest_path_of_edges(consumer, supplier, n).tolist() == expected
    matrix = consumer_matrix(consumer, supplier, np.ones(len(edges)), n)
    assert longest_path_from(matrix, n).tolist() == expected  # the analyses' scipy form agrees
    if edges:
        c, s = edges[0]
        with pytest.raises(ValueError, match="cycle"):
            longest_path_of_edges(np.append(consumer, s), np.append(supplier, c), n)


def test_validate_takes_a_sample_name(capsys: pytest.CaptureFixture[str]) -> None:
    from allyshore.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["validate", "infusion-pump"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == "infusion-pump: valid network."
    with pytest.raises(SystemExit) as exit_info:
        main(["validate", "sample:no-such-sample"])
    assert exit_info.value.code == 1
    assert "no such file or folder" in capsys.readouterr().err
