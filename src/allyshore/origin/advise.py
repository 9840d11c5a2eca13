"""The qualification advisor: the cheapest re-sourcing that makes a finished good USMCA-originating.

For a good made at a plant, each direct input item may stay with its current
sources or move, entirely, to one *candidate* source of the network (a
``supply`` or ``flows`` row with ``status=candidate`` that can deliver the item to
the plant). A candidate counts as originating when its site is in a USMCA
country and it certifies origin (``supplier_certifies_origin``), as in
:mod:`allyshore.origin.from_network`. The choice is a small mixed-integer
programme, solved with HiGHS through :mod:`allyshore._lp`::

    min   sum_{i,o} dcost[i,o] y[i,o]                      added cost per unit of the good
    s.t.  sum_o y[i,o] = 1                                 one sourcing option o per input item i
          sum_k z[k] >= 1                                  one way k to qualify: (rule alternative, RVC method)
          for each way k, active when z[k] = 1 (big-M):
            RVC by transaction value  (SOR s.7(2)):  VNM(y) <= (1 - t/100) TV
            RVC by net cost           (SOR s.7(3)):  VNM(y) <= (1 - t/100) NC(y),  NC(y) = NC0 + sum dcost y
            tariff shift (SOR s.3(2)): failing non-originating value <= 10% of TV (or of total cost), de
                                       minimis of s.5(1); none at all for materials s.5(3) excludes
          y, z binary

where ``VNM(y) = sum vnm[i,o] y[i,o]``. The plan found is then re-decided by the
origin engine, exactly (fractions, every provision the engine applies), and
reported with the engine's RVC: the programme proposes, the engine disposes.

>>> from allyshore.model.network import Network
>>> net = Network.from_dict({
...     "sites": [{"site_id": "P", "country": "MX", "kind": "plant"},
...               {"site_id": "S", "country": "CN", "kind": "supplier"},
...               {"site_id": "T", "country": "US", "kind": "supplier"},
...               {"site_id": "C", "country": "US", "kind": "customer"}],
...     "items": [{"item_id": "G", "hs_code": "9018.90"}, {"item_id": "K", "hs_code": "8536.50"}],
...     "bom": [{"parent_id": "G", "child_id": "K", "quantity": 2}],
...     "supply": [{"site_id": "P", "item_id": "G", "unit_price": 100},
...                {"site_id": "S", "item_id": "K", "unit_price": 25},
...                {"site_id": "T", "item_id": "K", "unit_price": 28, "status": "candidate",
...                 "supplier_certifies_origin": "yes"}],
...     "flows": [{"from_site": "S", "to_site": "P", "item_id": "K"},
...               {"from_site": "T", "to_site": "P", "item_id": "K", "status": "candidate"},
...               {"from_site": "P", "to_site": "C", "item_id": "G"}],
...     "demand": [{"site_id": "C", "item_id": "G", "units_per_week": 10}]})
>>> rule = {"alternatives": [{"tariff_shift": None, "rvc": {"transaction_value": 60}}]}
>>> plan = advise_qualification(net, "G", rules={"G": rule})
>>> plan.qualifies, [(c.item_id, c.to_site) for c in plan.changes], plan.added_cost_per_unit, plan.added_cost_per_year
(True, [('K', 'T')], 6.0, 3120.0)
>>> round(plan.rvc_before, 1), round(plan.rvc_after, 1)
(50.0, 100.0)
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import polars as pl
import scipy.sparse as sp

from allyshore.errors import Infeasible, InputError, NotFoundError
from allyshore.model.network import Network
from allyshore.origin.case import Rule
from allyshore.origin.determine import determine_origin
from allyshore.origin.from_network import (
    GoodOrigin,
    MaterialLine,
    NetworkOrigin,
    analyse_network,
    network_case,
)
from allyshore.origin.result import OriginResult
from allyshore.origin.rules import find_rule
from allyshore.origin.tariff_shift import TEN_PERCENT, de_minimis_excluded, passes

#: Per-switch tie-breaker (USD per unit): among plans of equal cost, the one with fewer changes.
SWITCH_EPSILON = 1e-6
#: Safety margin on the RVC rows (percentage points) so floating-point plans hold under exact arithmetic.
RVC_SAFETY = 1e-7


@dataclass(frozen=True)
class Resourcing:
    """One change of the plan: an input item moved from its current sources to one candidate source."""

    item_id: str
    from_sources: tuple[str, ...]
    to_site: str
    to_country: str
    value_before: float  # USD per unit of the good
    value_after: float
    originating_after: bool

    @property
    def added_cost_per_unit(self) -> float:
        return self.value_after - self.value_before

    def to_dict(self) -> dict[str, Any]:
        return {
            "item_id": self.item_id,
            "from_sources": list(self.from_sources),
            "to_site": self.to_site,
            "to_country": self.to_country,
            "value_before": self.value_before,
            "value_after": self.value_after,
            "added_cost_per_unit": self.added_cost_per_unit,
            "originating_after": self.originating_after,
        }


@dataclass(frozen=True)
class QualificationPlan:
    """The least-cost re-sourcing that qualifies a good (``qualifies`` False when none exists)."""

    item_id: str
    site_id: str
    qualifies: bool
    already_originating: bool
    changes: tuple[Resourcing, ...]
    added_cost_per_unit: float
    units_per_year: float
    rvc_before: float | None
    rvc_after: float | None
    method_after: str | None
    threshold_after: float | None
    criterion_after: str | None
    candidates_considered: int
    message: str
    before: GoodOrigin | None = field(default=None, repr=False, compare=False)
    after: OriginResult | None = field(default=None, repr=False, compare=False)

    @property
    def added_cost_per_year(self) -> float:
        return self.added_cost_per_unit * self.units_per_year

    def to_dict(self) -> dict[str, Any]:
        return {
            "item_id": self.item_id,
            "site_id": self.site_id,
            "qualifies": self.qualifies,
            "already_originating": self.already_originating,
            "changes": [c.to_dict() for c in self.changes],
            "added_cost_per_unit": self.added_cost_per_unit,
            "added_cost_per_year": self.added_cost_per_year,
            "units_per_year": self.units_per_year,
            "rvc_before": self.rvc_before,
            "rvc_after": self.rvc_after,
            "method_after": self.method_after,
            "threshold_after": self.threshold_after,
            "criterion_after": self.criterion_after,
            "candidates_considered": self.candidates_considered,
            "message": self.message,
            "determination_after": None if self.after is None else self.after.to_dict(),
        }

    def to_frame(self) -> pl.DataFrame:
        schema = {
            "item_id": pl.String,
            "from_sources": pl.String,
            "to_site": pl.String,
            "to_country": pl.String,
            "value_before": pl.Float64,
            "value_after": pl.Float64,
            "added_cost_per_unit": pl.Float64,
            "originating_after": pl.Boolean,
        }
        rows = [
            (
                c.item_id,
                ", ".join(c.from_sources),
                c.to_site,
                c.to_country,
                c.value_before,
                c.value_after,
                c.added_cost_per_unit,
                c.originating_after,
            )
            for c in self.changes
        ]
        return pl.DataFrame(rows, schema=schema, orient="row")

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(c.item_id)}</td><td>{html.escape(', '.join(c.from_sources))}</td>"
            f"<td>{html.escape(c.to_site)} ({html.escape(c.to_country)})</td><td>{c.added_cost_per_unit:+.2f}</td></tr>"
            for c in self.changes
        )
        return (
            f"<div><strong>{html.escape(self.item_id)} @ {html.escape(self.site_id)}</strong>: "
            f"{html.escape(self.message)}<table><tr><th>input</th><th>from</th><th>to</th><th>USD/unit</th></tr>"
            f"{rows}</table></div>"
        )


@dataclass(frozen=True)
class _Option:
    item: int
    to_node: int  # -1: keep the current sources
    edge: int  # candidate edge, -1 for the current mix
    value: float  # USD per unit of the good
    vnm: float
    hs: str
    originating: bool


def advise_qualification(
    network: Network,
    good: str,
    *,
    site: str | None = None,
    as_of: date | None = None,
    rules: Mapping[str, Any] | None = None,
    time_limit_seconds: float = 30.0,
    origin: NetworkOrigin | None = None,
) -> QualificationPlan:
    """Find which inputs of ``good``, re-sourced to which candidate sources, qualify it at the least added cost.

    ``origin``, the result of :func:`~allyshore.origin.from_network.determine_network` on the same
    network, saves deciding the network again (the report advises on many goods).

    Raises
    ------
    NotFoundError
        ``good`` is not a finished good made at a plant (at ``site``, when given), or has no rule.
    """
    if origin is not None and origin.analysis is not None and any(g.item_id == good for g in origin.goods):
        analysis = origin.analysis  # decided already (for every good): reuse instead of recompiling
        as_of = origin.as_of
    else:
        analysis = analyse_network(network, good=good, as_of=as_of, rules=rules)
    data, graph = analysis.data, analysis.data.graph
    roots = sorted(r for r in analysis.roots if analysis.data.graph.item_ids[analysis.data.graph.node_item[r]] == good)
    if site is not None:
        roots = [r for r in roots if graph.site_ids[graph.node_site[r]] == site]
        if not roots:
            raise NotFoundError(f"{good!r} is not made at site {site!r}")
    node = roots[0]
    before = analysis.outcome[node]
    item_index = int(graph.node_item[node])
    rule = data.rules.get(good) or find_rule(data.hs[item_index], as_of)
    if before.status == "undetermined" or rule is None:
        raise NotFoundError(f"cannot advise on {good!r}: {before.reason or 'no rule'}")
    if before.case is None:  # made outside the region: no sourcing of inputs can make it originating
        raise InputError(f"cannot qualify {good!r} by re-sourcing: {before.reason}")
    units_per_year = before.units_per_year
    if before.originating:
        return QualificationPlan(
            good, before.site_id, True, True, (), 0.0, units_per_year, before.rvc, before.rvc, before.method,
            before.threshold, before.criterion, 0, "the good already qualifies: no re-sourcing needed",
            before, before.result,
        )  # fmt: skip

    # Current sourcing, per input item.
    current: dict[str, list[MaterialLine]] = {}
    for line in before.materials:
        current.setdefault(line.item_id, []).append(line)
    child_index = {graph.item_ids[int(graph.edge_item[e])]: int(graph.edge_item[e]) for e in analysis.edges_sorted[
        analysis.starts[node] : analysis.starts[node + 1]]}  # fmt: skip
    options: list[_Option] = []
    for item_id, lines in current.items():
        value = sum(m.value for m in lines)
        vnm = sum(m.value for m in lines if not m.originating)
        options.append(_Option(child_index[item_id], -1, -1, value, vnm, lines[0].hs, vnm == 0))
    # Candidate edges into the node: inactive edges (a candidate flow, or a candidate supplier).
    candidate = np.flatnonzero((graph.edge_consumer == node) & ~graph.edge_active)
    freight = network.flows.get_column("freight_per_unit").fill_null(0.0).to_numpy()
    considered = 0
    for e in candidate.tolist():
        item = int(graph.edge_item[e])
        item_id = graph.item_ids[item]
        if item_id not in current:
            continue
        supplier = int(graph.edge_supplier[e])
        price = graph.node_price[supplier]
        if np.isnan(price):
            continue
        lane = float(freight[graph.edge_flow[e]]) if graph.edge_flow[e] >= 0 else 0.0
        value = float(graph.edge_qty[e] * (price + lane))
        candidate_origin = bool(analysis.in_region[supplier] and data.certifies[supplier]) or bool(
            analysis.originating[supplier]
        )
        options.append(
            _Option(item, supplier, e, value, 0.0 if candidate_origin else value, data.hs[item], candidate_origin)
        )
        considered += 1
    if considered == 0:
        return QualificationPlan(
            good, before.site_id, False, False, (), 0.0, units_per_year, before.rvc, None, None, None, None, 0,
            "no candidate source (status=candidate) can deliver an input of this good to the plant",
            before, None,
        )  # fmt: skip

    chosen = _solve(options, rule, before, node, data, time_limit_seconds)
    if chosen is None:
        return QualificationPlan(
            good, before.site_id, False, False, (), 0.0, units_per_year, before.rvc, None, None, None, None,
            considered, "no combination of the candidate sources qualifies the good under its rule",
            before, None,
        )  # fmt: skip

    # Re-decide the good with the plan, exactly, with the origin engine.
    changes: list[Resourcing] = []
    lines_after: list[MaterialLine] = []
    for item_id, lines in current.items():
        option = chosen.get(item_id)
        if option is None or option.edge < 0:
            lines_after.extend(lines)
            continue
        to_site = graph.site_ids[graph.node_site[option.to_node]]
        country = str(graph.node_country[option.to_node])
        changes.append(
            Resourcing(
                item_id, tuple(m.source_site for m in lines), to_site, country,
                sum(m.value for m in lines), option.value, option.originating,
            )
        )  # fmt: skip
        lines_after.append(
            MaterialLine(
                f"{item_id}@{to_site}", item_id, to_site, country, option.hs, option.value, option.originating,
                "candidate source" + (", originating" if option.originating else ""),
            )
        )  # fmt: skip
    after = determine_origin(network_case(node, lines_after, data, as_of))
    added = sum(c.added_cost_per_unit for c in changes)
    rvc = after.rvc
    message = (
        f"re-source {len(changes)} input(s): the good then qualifies (criterion {after.criterion})"
        if after.originating
        else "the programme's plan does not qualify the good when re-decided exactly; review the candidates"
    )
    return QualificationPlan(
        good, before.site_id, after.originating, False, tuple(changes), added, units_per_year, before.rvc,
        None if rvc is None else float(rvc.value), None if rvc is None else rvc.method,
        None if rvc is None else float(rvc.threshold), after.criterion, considered, message, before, after,
    )  # fmt: skip


def _solve(
    options: list[_Option], rule: Rule, before: GoodOrigin, node: int, data: Any, time_limit_seconds: float
) -> dict[str, _Option] | None:
    """Solve the selection MIP; ``item id -> chosen option`` or None when infeasible."""
    from allyshore._lp import LinearProgram

    graph = data.graph
    good_hs = before.hs
    items = sorted({o.item for o in options})
    current_value = {o.item: o.value for o in options if o.edge < 0}
    n_y = len(options)
    dcost = np.array([o.value - current_value[o.item] for o in options])
    vnm = np.array([o.vnm for o in options])

    case = before.case
    assert case is not None
    materials_now = float(sum(current_value.values()))
    total_cost0 = (
        float(case.costs.total_cost) if case.costs.total_cost is not None else materials_now + float(case.costs.other)
    )
    net_cost0 = total_cost0 - float(case.costs.excluded)
    tv = None if case.transaction_value is None else float(case.transaction_value - case.international_shipping)

    ways: list[tuple[int, str | None, float | None]] = []  # (alternative, method, threshold)
    for a, alternative in enumerate(rule.alternatives):
        if alternative.rvc is None:
            ways.append((a, None, None))
            continue
        if alternative.rvc.transaction_value is not None and tv is not None:
            ways.append((a, "transaction_value", float(alternative.rvc.transaction_value)))
        if alternative.rvc.net_cost is not None:
            ways.append((a, "net_cost", float(alternative.rvc.net_cost)))
    if not ways:
        return None
    n_z = len(ways)
    big = float(np.abs(dcost).sum() + vnm.sum() + abs(total_cost0) + (tv or 0.0) + 1.0) * 2

    rows: list[np.ndarray] = []
    lower: list[float] = []
    upper: list[float] = []

    def add(coef_y: np.ndarray, coef_z: np.ndarray, lo: float, hi: float) -> None:
        rows.append(np.concatenate([coef_y, coef_z]))
        lower.append(lo)
        upper.append(hi)

    item_of = np.array([o.item for o in options])
    for item in items:  # one option per item
        add((item_of == item).astype(np.float64), np.zeros(n_z), 1, 1)
    add(np.zeros(n_y), np.ones(n_z), 1, np.inf)  # at least one way to qualify
    for k, (a, method, threshold) in enumerate(ways):
        z = np.zeros(n_z)
        z[k] = big
        if method == "transaction_value" and tv is not None and threshold is not None:
            # VNM(y) + big z <= (1 - t) TV + big
            add(vnm, z, -np.inf, (1 - threshold / 100) * tv - RVC_SAFETY + big)
        elif method == "net_cost" and threshold is not None:
            # VNM(y) - (1 - t) (NC0 + dcost y) + big z <= big
            share = 1 - threshold / 100
            add(vnm - share * dcost, z, -np.inf, share * net_cost0 - RVC_SAFETY + big)
        shift = rule.alternatives[a].tariff_shift
        if shift is not None:
            failing = np.array([0.0 if o.originating or passes(o.hs, good_hs, shift) else 1.0 for o in options])
            excluded = np.array(
                [
                    f if f and de_minimis_excluded(o.hs, good_hs) is not None else 0.0
                    for f, o in zip(failing, options, strict=True)
                ]
            )
            n_fail = float(failing.sum()) + 1
            zc = np.zeros(n_z)
            zc[k] = n_fail
            add(excluded, zc, -np.inf, n_fail)  # no failing material that de minimis cannot excuse
            ten = float(TEN_PERCENT)
            base = ten * tv if tv is not None else None
            fv = failing * np.array([o.value for o in options])
            if base is not None:
                add(fv, z, -np.inf, base + big)
            else:  # 10% of total cost, which moves with the plan
                add(fv - ten * dcost, z, -np.inf, ten * total_cost0 + big)
    matrix = sp.csr_matrix(np.vstack(rows))
    costs = np.concatenate([dcost + SWITCH_EPSILON * np.array([o.edge >= 0 for o in options]), np.zeros(n_z)])
    program = LinearProgram(
        costs=costs,
        matrix=matrix,
        row_lower=lower,
        row_upper=upper,
        col_lower=np.zeros(n_y + n_z),
        col_upper=np.ones(n_y + n_z),
        integrality=np.ones(n_y + n_z, dtype=bool),
        options={"time_limit": float(time_limit_seconds), "mip_rel_gap": 1e-9},
    )
    try:
        solution = program.solve()
    except Infeasible:
        return None
    picked = solution.x[:n_y] > 0.5
    return {graph.item_ids[o.item]: o for o, keep in zip(options, picked, strict=True) if keep}
