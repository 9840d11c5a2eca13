"""On tiny random networks, the plan is never worse than the best single-source plan that meets the constraints,
and it meets each constraint when the network it writes is re-checked by the exposure engine.

Every single-source plan (each item from one of its sources, whole) is enumerated, applied to the network and
measured by the exposure engine (trusted and CN shares of the good) and by capacity; its landed cost a year is the
need times each chosen flow's landed cost per unit (the costs the plan is priced with).
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import allyshore
from allyshore.optimize import apply_plan, optimize
from allyshore.optimize.choices import build_choices

AS_OF = "2026-01-15"
COUNTRIES = ("CN", "DE", "MX", "CA", "VN")


@st.composite
def cases(draw: Any) -> tuple[allyshore.Network, dict[str, Any]]:
    n_items = draw(st.integers(1, 2))
    sites = [{"site_id": "P", "country": "US", "kind": "plant"}]
    items = [{"item_id": "G", "hs_code": "9018.90.80"}]
    bom, supply, flows = [], [{"site_id": "P", "item_id": "G", "unit_price": 200.0}], []
    for i in range(n_items):
        item = f"K{i}"
        items.append({"item_id": item, "hs_code": "8536.50.90"})
        bom.append({"parent_id": "G", "child_id": item, "quantity": float(draw(st.integers(1, 3)))})
        for s in range(draw(st.integers(2, 3))):
            site = f"S{i}{s}"
            sites.append({"site_id": site, "country": draw(st.sampled_from(COUNTRIES)), "kind": "supplier"})
            row: dict[str, Any] = {"site_id": site, "item_id": item, "unit_price": float(draw(st.integers(5, 30)))}
            if draw(st.booleans()):
                row["capacity_per_week"] = float(draw(st.integers(20, 200)))
            supply.append(row)
            flow: dict[str, Any] = {"from_site": site, "to_site": "P", "item_id": item, "freight_per_unit": 1.0}
            flow.update({"share": 1.0} if s == 0 else {"status": "candidate"})
            flows.append(flow)
    net = allyshore.Network.from_dict(
        {
            "sites": sites,
            "items": items,
            "bom": bom,
            "supply": supply,
            "flows": flows,
            "demand": [{"site_id": "P", "item_id": "G", "units_per_week": 20.0}],
        }
    )
    options = {
        "min_trusted_share": draw(st.sampled_from([None, 0.6, 0.75, 0.9])),
        "max_country_share": draw(st.sampled_from([{}, {"CN": 0.1}, {"CN": 0.0}])),
    }
    return net, {k: v for k, v in options.items() if v is not None}


def _checks(net: allyshore.Network, options: dict[str, Any]) -> tuple[bool, float, float]:
    good = allyshore.exposure(net).good("G")
    trusted = sum(v for t, v in good.by_tier.items() if t in ("domestic", "usmca", "ally"))
    cn = good.by_country.get("CN", 0.0)
    ok = trusted >= options.get("min_trusted_share", 0.0) - 1e-6
    ok &= cn <= options.get("max_country_share", {}).get("CN", 1.0) + 1e-6
    return ok, trusted, cn


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_never_worse_than_the_best_single_source_plan(case: tuple[allyshore.Network, dict[str, Any]]) -> None:
    net, options = case
    frame = build_choices(net, as_of=AS_OF).frame
    need = frame.get_column("need_per_year").to_numpy()
    cost = frame.get_column("cost_known_part").to_numpy()
    weekly = need / 52
    caps: dict[str, float] = {
        r["site_id"]: np.inf if r["capacity_per_week"] is None else r["capacity_per_week"]
        for r in net.supply.iter_rows(named=True)
    }
    groups = [np.flatnonzero((frame.get_column("item_id") == item).to_numpy()) for item in frame["item_id"].unique()]
    best = np.inf
    for pick in itertools.product(*groups):
        shares = np.zeros(frame.height)
        shares[list(pick)] = 1.0
        sites = frame.get_column("from_site").to_list()
        if any(weekly[j] > caps[sites[j]] + 1e-9 for j in pick):
            continue
        ok, _, _ = _checks(apply_plan(net, frame.get_column("flow_row").to_numpy(), shares), options)
        if ok:
            best = min(best, float(need @ (shares * cost)))
    result = optimize(net, as_of=AS_OF, allow_unknown_costs=True, keep_originating=False, mip_gap=1e-9, **options)
    if result.status == "infeasible":
        assert best == np.inf, "the plan says infeasible but a single-source plan meets every constraint"
        assert result.conflicts
    else:
        assert result.status == "optimal"
        assert result.objective["landed_cost_per_year"] <= best * (1 + 1e-9) + 1e-6
        # the plan re-checked by the engines on the network it writes
        assert result.network is not None
        ok, trusted, cn = _checks(result.network, options)
        assert ok, (trusted, cn, options)
        assert result.after["trusted_share"] == pytest.approx(trusted)
        sums = result.network.flows.filter(status="active").group_by("item_id").agg(pl.col("share").sum())
        assert sums.get_column("share").to_list() == pytest.approx([1.0] * sums.height)
