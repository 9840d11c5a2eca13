"""The command line of the sourcing plan: the JSON contract, the optimised network written by --out (it loads,
validates, and its shares sum to 1), the plan file, and the frontier."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

import allyshore
from allyshore.cli import main
from test_optimize_golden import AS_OF, network

CONTRACT_KEYS = [
    "status",
    "gap",
    "as_of",
    "objective",
    "before",
    "after",
    "plan",
    "changes",
    "constraints",
    "conflicts",
]
OBJECTIVE = ["total_per_year", "landed_cost_per_year", "qualification_per_year", "risk_per_year"]
SIDE = ["landed_cost_per_year", "trusted_share", "adversary_share", "by_country", "originating_goods"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(list(argv))
    out, err = capsys.readouterr()
    code = done.value.code
    return (code if isinstance(code, int) else 1), out, err


@pytest.fixture
def net_path(tmp_path: Path) -> Path:
    path = tmp_path / "net.json"
    allyshore.write_network(network(), path)
    return path


def test_json_contract(net_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "optimize", str(net_path), "--as-of", AS_OF, "--min-trusted-share", "0.9", "--json")
    assert code == 0
    data = json.loads(out)
    assert list(data)[: len(CONTRACT_KEYS)] == CONTRACT_KEYS
    assert data["status"] == "optimal" and data["as_of"] == AS_OF and isinstance(data["gap"], float)
    assert list(data["objective"]) == OBJECTIVE
    for side in ("before", "after"):
        assert list(data[side])[: len(SIDE)] == SIDE
    for row in data["plan"]:
        assert set(row) == {"item_id", "to_site", "sources"}
        for source in row["sources"]:
            assert set(source) == {"site_id", "country", "share", "status_before"}
        assert sum(s["share"] for s in row["sources"]) == pytest.approx(1.0)
    for change in data["changes"]:
        assert set(change) == {"item_id", "to_site", "site_id", "share_before", "share_after"}
    for c in data["constraints"]:
        assert {"name", "binding", "shadow_price", "detail"} <= set(c)
        assert isinstance(c["binding"], bool)
    assert "min trusted share" in {c["name"] for c in data["constraints"]}
    assert data["conflicts"] == []


def test_the_optimised_network_round_trips(net_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_dir = tmp_path / "plan"
    code, out, _ = run(capsys, "optimize", str(net_path), "--as-of", AS_OF, "--max-country-share", "CN=0.05",
                       "--out", str(out_dir))  # fmt: skip
    assert code == 0
    assert "Binding" in out and "change(s)" in out
    code, out, _ = run(capsys, "validate", str(out_dir))
    assert code == 0, out
    again = allyshore.load_network(out_dir)
    flows = again.flows.filter(pl.col("status") == "active")
    sums = flows.group_by("item_id", "to_site").agg(pl.col("share").sum())
    assert sums.get_column("share").to_list() == [pytest.approx(1.0)]
    assert dict(zip(flows.get_column("from_site"), flows.get_column("share"), strict=True)) == {
        "A": pytest.approx(0.25),
        "B": pytest.approx(0.75),
    }
    # the exposure engine on the written network agrees with the plan's own 'after'
    good = allyshore.exposure(again).good("G")
    assert good.by_country["CN"] == pytest.approx(0.05)
    # re-optimising the written network under the same cap changes nothing
    result = allyshore.optimize(again, as_of=AS_OF, max_country_share={"CN": 0.05})
    assert result.changes == ()


def test_a_plan_file_gives_the_options(net_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = tmp_path / "plan.toml"
    plan.write_text("[optimize]\nmin-trusted-share = 0.9\nmax-country-share = { CN = 0.2 }\n", encoding="utf-8")
    code, out, _ = run(capsys, "optimize", str(net_path), "--as-of", AS_OF, "--policy", str(plan), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["after"]["trusted_share"] == pytest.approx(0.9)
    assert {"min trusted share", "max share of CN"} <= {c["name"] for c in data["constraints"]}
    # an option on the command line overrides the file's
    code, out, _ = run(capsys, "optimize", str(net_path), "--as-of", AS_OF, "--policy", str(plan),
                       "--min-trusted-share", "0.95", "--json")  # fmt: skip
    assert json.loads(out)["after"]["trusted_share"] == pytest.approx(0.95)
    plan.write_text("[optimize]\nmin-trusted = 0.9\n", encoding="utf-8")
    code, _, err = run(capsys, "optimize", str(net_path), "--policy", str(plan))
    assert code == 1 and "unknown option 'min-trusted'" in err


def test_pareto_frontier(net_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "optimize", "pareto", str(net_path), "--sweep", "min-trusted-share=0.8:1.0:3",
                       "--as-of", AS_OF, "--json")  # fmt: skip
    assert code == 0
    frontier = json.loads(out)["frontier"]
    assert [p["value"] for p in frontier] == pytest.approx([0.8, 0.9, 1.0])
    for p in frontier:
        assert {"parameter", "value", "status", "objective", "after"} <= set(p)
        assert p["parameter"] == "min-trusted-share" and p["status"] == "optimal"
        assert p["after"]["trusted_share"] == pytest.approx(p["value"])
    costs = [p["objective"]["landed_cost_per_year"] for p in frontier]
    assert costs == sorted(costs) and costs[0] < costs[-1]
    code, out, _ = run(capsys, "optimize", "pareto", str(net_path), "--sweep", "max-country-share=CN:0.2:0:3",
                       "--as-of", AS_OF, "--json")  # fmt: skip
    frontier = json.loads(out)["frontier"]
    assert [p["after"]["by_country"].get("CN", 0.0) for p in frontier] == pytest.approx([0.2, 0.1, 0.0])


def test_the_frontier_matches_single_plans() -> None:
    """Each warm-started point is the plan a fresh solve gives."""
    net = network()
    frontier = allyshore.pareto(net, sweep="min-trusted-share=0.85:0.95:3", as_of=AS_OF).frontier
    for point in frontier:
        single = allyshore.optimize(net, as_of=AS_OF, min_trusted_share=point["value"])
        assert point["objective"]["total_per_year"] == pytest.approx(single.objective["total_per_year"], rel=1e-9)
