"""The sourcing-plan benchmark script runs at its smoke size, and its PuLP + CBC model is the optimiser's model.

Times are measured by ``benchmarks/bench_optimize.py`` itself (docs/benchmarks.md), never asserted here. What is
asserted: the script runs end to end, both solvers find an optimal plan, and their objectives agree within the
MIP gap, which they can only do if the PuLP model (written from dicts, as an analyst would) states the same
constraints as :func:`allyshore.optimize`.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

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
