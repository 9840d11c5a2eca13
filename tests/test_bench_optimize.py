"""The sourcing-plan benchmark script runs at its smoke size, and its PuLP + CBC model is the optimiser's model.

Times are measured by ``benchmarks/bench_optimize.py`` itself (docs/benchmarks.md), never asserted here. What is
asserted: the script runs end to end, both solvers find an optimal plan, and their objectives agree within the
MIP gap, which they can only do if the PuLP model (written from dicts, as an analyst would) states the same
constraints as :func:`allyshore.optimize`.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "bench_optimize.py"


@pytest.mark.slow
def test_benchmark_runs_at_smoke_size_and_both_models_agree() -> None:
    pytest.importorskip("pulp")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--no-write"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert re.search(r"\| `allyshore.optimize` \(HiGHS\) \| optimal \|", out), out
    assert re.search(r"\| PuLP \+ CBC \| optimal \|", out), out
    differ = re.search(r"Objectives differ by ([0-9.]+)%: within the gap", out)
    assert differ is not None, out
    assert float(differ.group(1)) <= 0.5
    # Six frontier points, the first (trusted share >= 0.5) feasible.
    rows = re.findall(r"^\| (0\.5|0\.6|0\.7|0\.8|0\.9|1) \| (\w+) \|", out, flags=re.M)
    assert len(rows) == 6, out
    assert rows[0][1] == "optimal"


def _load_script() -> ModuleType:
    """The benchmark script as a module (it imports its sibling ``_table`` from its own folder)."""
    spec = importlib.util.spec_from_file_location("bench_optimize", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_optimize"] = module  # dataclasses look their module up while the script runs
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # PuLP 3.3 announces its 4.0 names; the peer keeps 3.x's
def test_peer_model_equals_the_optimiser_model_at_a_tight_gap() -> None:
    """Both models solved to a relative gap of 1e-7 on a small benchmark network (150 parts x 4 sources, with
    the origin rows of 2 goods where the optimiser has them) reach the same optimum (to 1e-6):
    the analyst's trusted-share and country-cap rows (the plant's value added when the plant is in the set plus the
    inputs bought from it) are the optimiser's linearised value rows, exact here where no choice sits below
    another."""
    pytest.importorskip("pulp")
    bench = _load_script()
    import allyshore
    from allyshore.optimize.choices import build_choices
    from allyshore.optimize.model import build_model
    from allyshore.optimize.options import PlanOptions

    network = bench.benchmark_network(150, 4)
    options = {**bench.plan_options(network, origin=bench.origin_rows_available()), "mip_gap": 1e-7}
    ours = allyshore.optimize(network, as_of=bench.AS_OF, **options).to_dict()
    choice_set = build_choices(network, as_of=bench.AS_OF)
    model = build_model(network, choice_set, PlanOptions().merged(options), as_of=bench.AS_OF)
    data = bench.analyst_data(network, choice_set.frame, model)
    peer = bench.pulp_plan(data, bench.TRUSTED_SHARE, bench.COUNTRY_CAPS, 300.0, gap=1e-7)
    assert ours["status"] == "optimal"
    assert peer.status == "optimal"
    assert peer.objective == pytest.approx(ours["objective"]["total_per_year"], rel=1e-6)
