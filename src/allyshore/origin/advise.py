"""The qualification advisor: the cheapest re-sourcing that makes a finished good USMCA-originating.

For a good made at a plant, each material at every level the producer makes in-house -- the
good's own inputs and those of every in-house sub-assembly looked through below it
(:mod:`allyshore.origin.bom`) -- may stay with its current sources or move, entirely, to one
*candidate* source of the network (a ``supply`` or ``flows`` row with ``status=candidate`` that
can deliver the item to the plant consuming it). A candidate counts as originating when its site
is in a USMCA country and it certifies origin (``supplier_certifies_origin``), as in
:mod:`allyshore.origin.from_network`. With look-through (SOR/2020-155 s.7(5)(a)) a material two
levels down changes the good's VNM by its units per unit of the good (quantities multiplied down
the BOM) times its value; materials inside a *designated* sub-assembly are not re-sourced (its
origin is all-or-nothing, s.8(7)).

A change costs what it adds to the **landed cost**: the per-unit landed cost of each source -- price,
freight, insurance, duties and fees of every tariff layer, carrying and risk -- times the units per
unit of the good, less that of the sources it replaces. The costs come from the caller, as a
:class:`SourceCosts` (:func:`plan_qualification`'s ``costs``): :func:`allyshore.advisor.advise_qualification`,
the public advisor, passes the landed-cost engine's (:class:`allyshore.cost.source_costs.LandedCosts`), so
that origin never imports cost; without costs the advisor prices at price + freight. The import
duties and fees the finished good itself avoids once originating are reported apart
(``duty_saved_per_unit``). The choice is a small mixed-integer programme, solved with HiGHS
through :mod:`allyshore._lp`::

    min   sum_{p,o} dcost[p,o] y[p,o]                      added landed cost per unit of the good
    s.t.  sum_o y[p,o] = 1                                 one option o per position p (consuming plant, item)
          sum_k z[k] >= 1                                  one way k to qualify: (rule alternative, RVC method)
          for each way k, active when z[k] = 1 (big-M):
            RVC by transaction value  (SOR s.7(2)):  VNM(y) <= (1 - t/100) TV
            RVC by net cost           (SOR s.7(3)):  VNM(y) <= (1 - t/100) NC(y),  NC(y) = NC0 + sum dvalue y
            tariff shift (SOR s.3(2)): failing non-originating value <= 10% of TV (or of total cost), de
                                       minimis of s.5(1); none at all for materials s.5(3) excludes
          y, z binary

where ``VNM(y) = VNM_fixed + sum vnm[p,o] y[p,o]``. A material inside a sub-assembly that passes the
good's shift itself, or qualifies on its own, is not tested (s.3(8)). The plan found is then
re-decided by the origin engine, exactly (fractions, every provision the engine applies, the
designation mode re-applied), and reported with the engine's RVC: the programme proposes, the
engine disposes.

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
>>> plan = plan_qualification(net, "G", rules={"G": rule})  # no costs given: price + freight
>>> plan.qualifies, [(c.item_id, c.to_site) for c in plan.changes], plan.added_cost_per_unit, plan.added_cost_per_year
(True, [('K', 'T')], 6.0, 3120.0)
>>> round(plan.rvc_before, 1), round(plan.rvc_after, 1)
(50.0, 100.0)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import scipy.sparse as sp

from allyshore.conventions import AsOf, as_date
from allyshore.errors import Infeasible, InputError, NotFoundError
from allyshore.model.network import Network
from allyshore.origin.bom import MaterialLine
from allyshore.origin.case import Case, Rule
from allyshore.origin.from_network import NetworkAnalysis, NetworkOrigin, _decide_good, analyse_network
from allyshore.origin.materials import combine, contribution
from allyshore.origin.results import GoodOrigin, QualificationPlan, Resourcing
from allyshore.origin.rules import find_rule
from allyshore.origin.tariff_shift import TEN_PERCENT, de_minimis_excluded, passes

#: Per-switch tie-breaker (USD per unit): among plans of equal cost, the one with fewer changes.
SWITCH_EPSILON = 1e-6
#: Float noise on the RVC rows (USD per unit of the good): a plan is first sought with the rows this much wider
#: (so a plan exactly at the threshold is found), and again this much narrower when exact arithmetic refuses it.
RVC_SAFETY = 1e-7
COST_BASES = ("landed", "price")


class SourceCosts(Protocol):
    """What the advisor prices a re-sourcing with: the landed cost per unit of a source, and the import duties and
    fees a finished good saves once USMCA-originating. ``notes`` collects what could not be priced."""

    notes: list[str]

    def per_unit(self, item: str, to_site: str, source_site: str, candidate: bool) -> float | None:
        """Landed cost per unit of ``item`` from ``source_site`` into ``to_site`` (None when unknown)."""
        ...

    def duty_saved(self, good: str, plant: str, destinations: Mapping[str, float]) -> float | None:
        """Landed cost per unit of ``good`` saved when it is originating, weighted over ``destinations``
        (site -> units); None when unknown."""
        ...


#: The costs of a network as of a date (the date the origin of the good is decided on; None for today).
CostsAsOf = Callable[[dt.date | None], SourceCosts]


@dataclass(frozen=True)
class _Part:
    """A material as the good's VNM and tariff shift see it, per unit of the good."""

    value: float
    hs: str
    originating: bool
    within_hs: tuple[str, ...] = ()  # HS codes of the looked-through sub-assemblies it sits in
    within_originating: bool = False  # one of them qualifies on its own (s.3(8): not tested)


@dataclass
class _Occurrence:
    line: MaterialLine
    scale: float  # units of the consuming node per unit of the good
    within: tuple[str, ...]  # item ids of the sub-assemblies it sits in
    within_hs: tuple[str, ...]
    within_originating: bool
    propagates: bool  # the good's total cost moves with the line's value

    def part(self, value: float | None = None, hs: str | None = None, originating: bool | None = None) -> _Part:
        return _Part(
            self.line.value if value is None else value,
            self.line.hs if hs is None else hs,
            self.line.originating if originating is None else originating,
            self.within_hs,
            self.within_originating,
        )


@dataclass(frozen=True)
class _Option:
    position: int
    edge: int  # candidate edge, -1 for the current sources
    to_node: int
    parts: tuple[_Part, ...]
    value: float  # USD per unit of the good (s.8(1) value)
    dvalue_nc: float  # change of the good's total cost
    dcost: float  # added cost per unit of the good (landed, or price + freight)
    originating: bool
    landed: float | None = None  # landed cost per unit of the good (None: not known)
    units: float = 0.0  # units of the item per unit of the good

    @property
    def vnm(self) -> float:
        return sum(p.value for p in self.parts if not p.originating)


def _occurrences(lines: Sequence[MaterialLine]) -> list[_Occurrence]:
    """Every material counted in the good's VNM, with the looked-through sub-assemblies above it."""
    out: list[_Occurrence] = []

    def visit(
        lines: Sequence[MaterialLine], scale: float, within: tuple[str, ...], hs: tuple[str, ...], own: bool, prop: bool
    ) -> None:
        for line in lines:
            if line.self_produced and not line.designated:
                visit(
                    line.materials,
                    line.quantity,
                    (*within, line.item_id),
                    (*hs, line.hs),
                    own or line.originating,
                    prop and line.total_cost is None,
                )
            else:
                out.append(_Occurrence(line, scale, within, hs, own, prop))

    visit(lines, 1.0, (), (), False, True)
    return out


def _designation_hint(before: GoodOrigin) -> str:
    """Where another choice of designated sub-assemblies qualifies the good as it is, say so."""
    for alt in before.alternatives:
        if alt.status == "originating":
            which = ", ".join(alt.items) if alt.items else "none"
            rvc = f" (RVC {alt.rvc:.1f}%)" if alt.rvc is not None else ""
            return (
                f"; designating {which} as intermediate material(s) qualifies it without re-sourcing{rvc}: "
                "see --designate auto (SOR/2020-155 s.8(6)-(8))"
            )
    return ""


def plan_qualification(
    network: Network,
    good: str,
    *,
    site: str | None = None,
    as_of: AsOf = None,
    rules: Mapping[str, Any] | None = None,
    time_limit_seconds: float = 30.0,
    origin: NetworkOrigin | None = None,
    designate: str = "given",
    costs: CostsAsOf | None = None,
) -> QualificationPlan:
    """Find which materials of ``good``, at any in-house BOM level, re-sourced to which candidate sources,
    qualify it at the least added cost: landed cost from ``costs`` (called with the date origin is decided on),
    price + freight without.

    ``origin``, the result of :func:`~allyshore.origin.from_network.determine_network` on the same
    network (and ``designate`` mode), saves deciding the network again (the report advises on many goods).
    :func:`allyshore.advisor.advise_qualification` is this planner with the landed-cost engine's costs.

    Raises
    ------
    NotFoundError
        ``good`` is not a finished good made at a plant (at ``site``, when given), or has no rule.
    InputError
        The good is made outside the region.
    """
    cost_basis = "price" if costs is None else "landed"
    as_of = None if as_of is None else as_date(as_of)
    analysis: NetworkAnalysis
    if (
        origin is not None
        and origin.analysis is not None
        and origin.designate == designate
        and any(g.item_id == good for g in origin.goods)
    ):
        analysis = origin.analysis  # decided already (for every good): reuse instead of recompiling
        as_of = origin.as_of
    else:
        analysis = analyse_network(network, good=good, as_of=as_of, rules=rules, designate=designate)
    data, graph = analysis.data, analysis.data.graph
    roots = sorted(r for r in analysis.roots if graph.item_ids[graph.node_item[r]] == good)
    if site is not None:
        roots = [r for r in roots if graph.site_ids[graph.node_site[r]] == site]
        if not roots:
            raise NotFoundError(f"{good!r} is not made at site {site!r}")
    node = roots[0]
    before = analysis.outcome[node]
    rule = data.rules.get(good) or find_rule(data.hs[int(graph.node_item[node])], as_of)
    if before.status == "undetermined" or rule is None:
        raise NotFoundError(f"cannot advise on {good!r}: {before.reason or 'no rule'}")
    if before.case is None:  # made outside the region: no sourcing of inputs can make it originating
        raise InputError(f"cannot qualify {good!r} by re-sourcing: {before.reason}")
    units_per_year = before.units_per_year
    if before.originating:
        return QualificationPlan(
            good, before.site_id, True, True, (), 0.0, units_per_year, before.rvc, before.rvc, before.method,
            before.threshold, before.criterion, 0, "the good already qualifies: no re-sourcing needed",
            before, before.result, cost_basis,
        )  # fmt: skip

    priced = None if costs is None else costs(as_of)
    options, fixed, occurrences_of = _options(analysis, node, before, priced)
    considered = sum(o.edge >= 0 for o in options)
    notes = tuple(dict.fromkeys(priced.notes)) if priced is not None else ()
    if priced is None:
        basis_used = "price"
    elif any(o.landed is None for o in options):
        basis_used = "landed, price + freight where the landed cost is unknown"
    else:
        basis_used = "landed"
    if considered == 0:
        return QualificationPlan(
            good, before.site_id, False, False, (), 0.0, units_per_year, before.rvc, None, None, None, None, 0,
            "no candidate source (status=candidate) can deliver a material of this good (at any in-house BOM "
            "level) to the plant that consumes it" + _designation_hint(before), before, None, basis_used, None, notes,
        )  # fmt: skip

    # A plan exactly at the threshold qualifies ("not less than", SOR/2020-155 s.7(2), s.7(3)): solve first with the
    # RVC rows widened by float noise, decide the plan exactly, and only when the exact decision disagrees solve
    # again with the rows narrowed by the same amount.
    assert analysis.bom is not None
    for margin in (-RVC_SAFETY, RVC_SAFETY):
        chosen = _solve(options, fixed, rule, before, time_limit_seconds, margin)
        if chosen is None:
            break
        # Re-decide the good with the plan, exactly, with the origin engine and the same designation mode.
        moves = [o for o in chosen if o.edge >= 0]
        moved = {(int(graph.edge_consumer[o.edge]), int(graph.edge_item[o.edge])): o.edge for o in moves}
        after_good = _decide_good(
            node, analysis.bom.with_moves(moved), data, analysis.in_region, analysis.weekly, as_of, analysis.designate
        )
        after = after_good.result
        if after is not None and after.originating:
            break
    if chosen is None:
        return QualificationPlan(
            good, before.site_id, False, False, (), 0.0, units_per_year, before.rvc, None, None, None, None,
            considered, "no combination of the candidate sources qualifies the good under its rule"
            + _designation_hint(before), before, None, basis_used, None, notes,
        )  # fmt: skip

    keep = {o.position: o for o in options if o.edge < 0}
    changes = []
    for o in moves:
        current = occurrences_of[o.position]
        first = current[0]
        keep_option = keep[o.position]
        changes.append(
            Resourcing(
                item_id=graph.item_ids[int(graph.edge_item[o.edge])],
                from_sources=tuple(dict.fromkeys(c.line.source_site for c in current)),
                to_site=graph.site_ids[graph.node_site[o.to_node]],
                to_country=str(graph.node_country[o.to_node]),
                value_before=keep_option.value,
                value_after=o.value,
                originating_after=o.originating,
                at_site=graph.site_ids[graph.node_site[int(graph.edge_consumer[o.edge])]],
                within=first.within,
                quantity=o.units,
                landed_before=keep_option.landed if o.landed is not None else None,
                landed_after=o.landed if keep_option.landed is not None else None,
            )
        )
    added = sum(c.added_cost_per_unit for c in changes)
    qualifies = after is not None and after.originating
    duty_saved = None
    if qualifies and priced is not None:
        duty_saved = priced.duty_saved(good, before.site_id, _destinations(analysis, node))
        notes = tuple(dict.fromkeys(priced.notes))
    elif priced is None:
        notes += ("duty saved on the finished good not counted: cost_basis 'price' (price + freight)",)
    deep = sum(1 for c in changes if c.within)
    rvc = None if after is None else after.rvc
    message = (
        f"re-source {len(changes)} material(s)"
        + (f", {deep} inside in-house sub-assemblies" if deep else "")
        + f": the good then qualifies (criterion {after.criterion})"
        if qualifies and after is not None
        else "the programme's plan does not qualify the good when re-decided exactly; review the candidates"
    )
    return QualificationPlan(
        good, before.site_id, qualifies, False, tuple(changes), added, units_per_year, before.rvc,
        None if rvc is None else float(rvc.value), None if rvc is None else rvc.method,
        None if rvc is None else float(rvc.threshold), None if after is None else after.criterion, considered,
        message, before, after, basis_used, duty_saved, notes, after_good,
    )  # fmt: skip


def _destinations(analysis: NetworkAnalysis, node: int) -> dict[str, float]:
    """Units of the good per week to each site its active flows leave the plant for."""
    graph = analysis.data.graph
    out: dict[str, float] = {}
    for e in np.flatnonzero((graph.edge_supplier == node) & graph.edge_active & (graph.edge_flow >= 0)).tolist():
        consumer = int(graph.edge_consumer[e])
        site = graph.site_ids[graph.node_site[consumer]]
        weight = float(analysis.weekly[consumer] * graph.edge_qty[e] * graph.edge_share[e])
        out[site] = out.get(site, 0.0) + weight
    return out


def _options(
    analysis: NetworkAnalysis, node: int, before: GoodOrigin, costs: SourceCosts | None
) -> tuple[list[_Option], list[_Part], dict[int, list[_Occurrence]]]:
    """Options per position (consuming plant, item) with a candidate source; the other materials, fixed."""
    data, graph = analysis.data, analysis.data.graph
    occurrences = _occurrences(before.materials)
    by_key: dict[tuple[int, int], list[_Occurrence]] = {}
    fixed: list[_Part] = []
    for occ in occurrences:
        line = occ.line
        if line.self_produced or line.edge < 0:
            fixed.append(occ.part())
            continue
        by_key.setdefault((line.consumer, int(graph.edge_item[line.edge])), []).append(occ)
    inactive = np.flatnonzero(~graph.edge_active)
    candidates: dict[tuple[int, int], list[int]] = {}
    for e in inactive.tolist():
        key = (int(graph.edge_consumer[e]), int(graph.edge_item[e]))
        if key in by_key and not np.isnan(graph.node_price[graph.edge_supplier[e]]):
            candidates.setdefault(key, []).append(e)
    options: list[_Option] = []
    occurrences_of: dict[int, list[_Occurrence]] = {}
    for key, occs in by_key.items():
        if key not in candidates:
            fixed.extend(o.part() for o in occs)
            continue
        position = len(occurrences_of)
        occurrences_of[position] = occs
        consumer, item = key
        to_site = graph.site_ids[graph.node_site[consumer]]
        item_id = graph.item_ids[item]
        value_keep = sum(o.line.value for o in occs)
        # One scale per occurrence of the consuming plant (several sources of it share the scale).
        scales: dict[str, _Occurrence] = {}
        kept: dict[str, float] = {}
        for o in occs:
            where = o.line.id.rsplit("/", 1)[0] if "/" in o.line.id else ""
            scales.setdefault(where, o)
            kept[where] = kept.get(where, 0.0) + o.line.value
        landed_keep: float | None = None
        if costs is not None:
            per = [costs.per_unit(item_id, to_site, o.line.source_site, False) for o in occs]
            landed_keep = (
                None
                if any(p is None for p in per)
                else sum(o.line.quantity * (p or 0.0) for o, p in zip(occs, per, strict=True))
            )
        options.append(
            _Option(position, -1, -1, tuple(o.part() for o in occs), value_keep, 0.0, 0.0, False, landed_keep)
        )
        for e in candidates[key]:
            supplier = int(graph.edge_supplier[e])
            per_consumer = float(graph.edge_qty[e]) * (float(graph.node_price[supplier]) + float(data.edge_freight[e]))
            originating = bool(analysis.in_region[supplier] and data.certifies[supplier]) or bool(
                analysis.originating[supplier]
            )
            parts = tuple(o.part(o.scale * per_consumer, data.hs[item], originating) for o in scales.values())
            value = sum(p.value for p in parts)
            dvalue_nc = sum((o.scale * per_consumer - kept[w]) * o.propagates for w, o in scales.items())
            units = sum(o.scale for o in scales.values()) * float(graph.edge_qty[e])
            landed = None
            if costs is not None and landed_keep is not None:
                unit = costs.per_unit(item_id, to_site, graph.site_ids[graph.node_site[supplier]], True)
                landed = None if unit is None else units * unit
            dcost = (landed - landed_keep) if landed is not None and landed_keep is not None else value - value_keep
            options.append(_Option(position, e, supplier, parts, value, dvalue_nc, dcost, originating, landed, units))
    return options, fixed, occurrences_of


def _fails(part: _Part, good_hs: str, shift: Any) -> bool:
    """Whether a material fails the good's change of tariff classification (s.3(2)), unless a looked-through
    sub-assembly it sits in is tested in its place and passes or qualifies on its own (s.3(8))."""
    if part.originating or passes(part.hs, good_hs, shift):
        return False
    return not (part.within_originating or any(passes(h, good_hs, shift) for h in part.within_hs))


def _case_totals(case: Case) -> tuple[float | None, float, float]:
    """TV, total cost and net cost of the good's case as the engine computes them (s.7(2)-(3), s.1(6))."""
    agg = combine(contribution(m, lambda x: x.originating, lambda _x: True) for m in case.materials)
    if case.costs.total_cost is not None:
        total = case.costs.total_cost + (agg.total_cost - agg.book_value)
    else:
        total = agg.total_cost + case.costs.other
    net = total - case.costs.excluded - agg.excluded
    tv = None if case.transaction_value is None else case.transaction_value - case.international_shipping
    return None if tv is None else float(tv), float(total), float(net)


def _solve(
    options: list[_Option],
    fixed: list[_Part],
    rule: Rule,
    before: GoodOrigin,
    time_limit_seconds: float,
    margin: float = RVC_SAFETY,
) -> list[_Option] | None:
    """Solve the selection MIP; the chosen option of every position, or None when infeasible."""
    from allyshore._lp import LinearProgram

    good_hs = before.hs
    case = before.case
    assert case is not None
    tv, total_cost0, net_cost0 = _case_totals(case)
    positions = sorted({o.position for o in options})
    n_y = len(options)
    dcost = np.array([o.dcost for o in options])
    dnc = np.array([o.dvalue_nc for o in options])
    vnm = np.array([o.vnm for o in options])
    vnm_fixed = float(sum(p.value for p in fixed if not p.originating))

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
    big = float(np.abs(dcost).sum() + np.abs(dnc).sum() + vnm.sum() + vnm_fixed + abs(total_cost0) + (tv or 0.0) + 1.0)
    big *= 2

    rows: list[np.ndarray] = []
    lower: list[float] = []
    upper: list[float] = []

    def add(coef_y: np.ndarray, coef_z: np.ndarray, lo: float, hi: float) -> None:
        rows.append(np.concatenate([coef_y, coef_z]))
        lower.append(lo)
        upper.append(hi)

    position_of = np.array([o.position for o in options])
    for p in positions:  # one option per position
        add((position_of == p).astype(np.float64), np.zeros(n_z), 1, 1)
    add(np.zeros(n_y), np.ones(n_z), 1, np.inf)  # at least one way to qualify
    for k, (a, method, threshold) in enumerate(ways):
        z = np.zeros(n_z)
        z[k] = big
        if method == "transaction_value" and tv is not None and threshold is not None:
            # VNM0 + vnm y + big z <= (1 - t) TV + big
            add(vnm, z, -np.inf, (1 - threshold / 100) * tv - vnm_fixed - margin + big)
        elif method == "net_cost" and threshold is not None:
            # VNM0 + vnm y - (1 - t) (NC0 + dnc y) + big z <= big
            share = 1 - threshold / 100
            add(vnm - share * dnc, z, -np.inf, share * net_cost0 - vnm_fixed - margin + big)
        shift = rule.alternatives[a].tariff_shift
        if shift is not None:
            fail_value = np.array([sum(p.value for p in o.parts if _fails(p, good_hs, shift)) for o in options])
            excluded = np.array(
                [
                    float(any(_fails(p, good_hs, shift) and de_minimis_excluded(p.hs, good_hs) for p in o.parts))
                    for o in options
                ]
            )
            fixed_fail = [p for p in fixed if _fails(p, good_hs, shift)]
            fixed_excluded = any(de_minimis_excluded(p.hs, good_hs) is not None for p in fixed_fail)
            fixed_value = float(sum(p.value for p in fixed_fail))
            n_fail = float(excluded.sum()) + 1
            zc = np.zeros(n_z)
            zc[k] = n_fail
            add(excluded, zc, -np.inf, n_fail)  # no failing material that de minimis cannot excuse (s.5(3))
            if fixed_excluded:  # one already fails and cannot be excused: this way is closed
                closed = np.zeros(n_z)
                closed[k] = 1.0
                add(np.zeros(n_y), closed, -np.inf, 0.0)
            ten = float(TEN_PERCENT)
            if tv is not None:
                add(fail_value, z, -np.inf, ten * tv - fixed_value + big)
            else:  # 10% of total cost, which moves with the plan
                add(fail_value - ten * dnc, z, -np.inf, ten * total_cost0 - fixed_value + big)
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
    return [o for o, keep in zip(options, picked, strict=True) if keep]


__all__ = ["COST_BASES", "CostsAsOf", "QualificationPlan", "Resourcing", "SourceCosts", "plan_qualification"]
