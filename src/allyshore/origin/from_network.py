"""From the network to origin: decide every finished good of a supply network under USMCA.

Each finished good (an item with demand) made at a plant (a ``supply`` row whose
item has a BOM) becomes an origin case, built from the network itself:

* **materials**: the plant's BOM inputs, one material per inbound source (site) of
  each input, valued per unit of the good as ``quantity x share x (unit_price at the
  source + freight_per_unit of the lane)`` (SOR/2020-155 s.8(1): the value of an
  imported material includes the costs of transporting it to the place of
  importation). Values are kept exact to the micro-dollar.
* **in-house sub-assemblies** (inputs made at a ``plant`` site of the network in the
  region, see :mod:`allyshore.origin.bom`): looked through by default -- their own
  materials are the good's, down every BOM level, quantities multiplied through
  (s.7(5)(a); for the tariff shift the good's rule applies to them, s.3(2), or to the
  sub-assembly itself at the producer's option, s.3(8)). Designated as intermediate
  materials (s.8(6)-(8)) when the item's ``designated_intermediate`` column says yes,
  or as ``designate`` asks (``none``, ``all``, ``auto``: the better of look-through and
  designating those that qualify, per good). Each good reports the designation applied
  and, where another one decides it differently, the alternatives.
* **origin of a purchased material** (SOR s.3, s.9): originating when its source site
  is in a USMCA country (MX, US, CA) and the supplier certifies its origin (column
  ``supplier_certifies_origin`` on the source's ``supply`` row), or when the source is
  a supplier's site in the region making it from a BOM and it qualifies (decided first,
  bottom-up by tier). A pass-through site (warehouse, distributor) passes on
  originating status only when every active source behind it is originating. Anything
  else is non-originating, as the producer must treat a material of unproven origin
  (SOR s.7(21); brief s.2).
* **the good's value and costs**: the plant's ``unit_price`` is the transaction
  value (less ``international_shipping_per_unit``, SOR s.1(1) "transaction
  value"); total cost = materials + ``other_costs_per_unit`` (or ``total_cost_per_unit``
  when given); ``excluded_costs_per_unit`` (sales promotion, royalties, shipping
  and packing, non-allowable interest: SOR s.7(13)-(14)) is taken out of net cost.
* **the rule**: the item's ``origin_rule`` (a rule in the origin case format, as JSON,
  e.g. ``{"alternatives": [{"tariff_shift": {"level": "heading"}, "rvc": {"transaction_value": 60}}]}``)
  or the ``rules`` argument when given, else the product-specific rule of the good's
  ``hs_code`` in the rules library (:func:`allyshore.origin.lookup_rule`), on ``as_of``.

Optional network columns (read by :mod:`allyshore.origin.network_inputs`, declared in :mod:`allyshore.model.schema` with
``used_by`` :data:`~allyshore.model.schema.USMCA_ORIGIN`, so reading types and checks them):
``origin_rule`` and ``designated_intermediate`` on ``items`` (above), and on ``supply``
rows, per unit of the row's item, in USD:

======================================  ==========================================================
``supplier_certifies_origin``           true/false (yes/no, 1/0): the source certifies the item as
                                        USMCA-originating (a certification of origin, Art. 5.2)
``other_costs_per_unit``                plant rows: direct labour, overhead, period and other costs
                                        (everything in total cost but materials), SOR s.1(1)
``excluded_costs_per_unit``             plant rows: the excluded costs inside those costs (s.7(14))
``total_cost_per_unit``                 plant rows: total cost, when known (overrides the sum)
``international_shipping_per_unit``     plant rows: shipping after the point of direct shipment,
                                        excluded from the transaction value
======================================  ==========================================================

>>> from allyshore.model.network import Network
>>> net = Network.from_dict({
...     "sites": [{"site_id": "P", "country": "MX", "kind": "plant"},
...               {"site_id": "S", "country": "CN", "kind": "supplier"},
...               {"site_id": "U", "country": "US", "kind": "supplier"},
...               {"site_id": "C", "country": "US", "kind": "customer"}],
...     "items": [{"item_id": "G", "hs_code": "9018.90"}, {"item_id": "K", "hs_code": "8536.50"},
...               {"item_id": "H", "hs_code": "3926.90"}],
...     "bom": [{"parent_id": "G", "child_id": "K", "quantity": 1}, {"parent_id": "G", "child_id": "H", "quantity": 1}],
...     "supply": [{"site_id": "P", "item_id": "G", "unit_price": 100, "other_costs_per_unit": 20},
...                {"site_id": "S", "item_id": "K", "unit_price": 30},
...                {"site_id": "U", "item_id": "H", "unit_price": 40, "supplier_certifies_origin": "yes"}],
...     "flows": [{"from_site": "S", "to_site": "P", "item_id": "K"}, {"from_site": "U", "to_site": "P", "item_id": "H"},
...               {"from_site": "P", "to_site": "C", "item_id": "G"}],
...     "demand": [{"site_id": "C", "item_id": "G", "units_per_week": 10}]})
>>> rule = {"alternatives": [{"tariff_shift": None, "rvc": {"transaction_value": 60, "net_cost": 50}}]}
>>> good = determine_network(net, rules={"G": rule}).goods[0]
>>> good.item_id, good.status, good.method, round(good.rvc, 1), good.threshold
('G', 'originating', 'transaction_value', 70.0, 60.0)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray

from allyshore.conventions import AsOf, as_date
from allyshore.countries import USMCA_PARTIES
from allyshore.errors import AllyshoreError, InputError, NotFoundError
from allyshore.model.graph import KIND_CODES
from allyshore.model.network import Network
from allyshore.model.rollup import calc_levels, calc_requirements
from allyshore.model.schema import WEEKS_PER_YEAR
from allyshore.origin.bom import (
    ALL,
    AS_GIVEN,
    DESIGNATE_MODES,
    LOOK_THROUGH,
    QUALIFYING,
    Bom,
    MaterialLine,
    NetworkInputs,
    case_document,
    counted,
    designated_ids,
    designated_items,
    network_case,
    usd_to_fraction,
    walk,
)
from allyshore.origin.determine import determine_origin
from allyshore.origin.network_inputs import network_inputs
from allyshore.origin.results import Designation, DesignationOutcome, GoodOrigin, NetworkOrigin, OriginResult
from allyshore.origin.rules import find_rule

_MAKE, _PASS, _RAW = KIND_CODES.index("make"), KIND_CODES.index("pass"), KIND_CODES.index("raw")


# --------------------------------------------------------------------------- the analysis


def _deciding(result: OriginResult, lines: Sequence[MaterialLine]) -> tuple[str, ...]:
    """The materials that decide the verdict (see :func:`determine_network`), at the level they count."""
    out: list[str] = []
    if not result.originating and result.tariff_shift is not None and not result.tariff_shift.passed:
        out += list(result.tariff_shift.failing_materials)
    rvc = result.rvc
    if rvc is None or rvc.base <= 0:
        return tuple(dict.fromkeys(out))
    units = list(counted(lines))
    points = {m.id: Fraction(usd_to_fraction(m.value)) / rvc.base * 100 for m in units}
    margin = rvc.value - rvc.threshold
    # Largest first, the fewest materials whose change of origin flips the verdict: originating ones
    # that would sink an originating good, non-originating ones whose origin would close the gap.
    if result.originating and margin >= 0:
        pool, room = [m for m in units if m.originating], margin
    elif not result.originating and margin < 0:
        pool, room = [m for m in units if not m.originating], -margin
    else:
        return tuple(dict.fromkeys(out))
    covered = Fraction(0)
    for m in sorted(pool, key=lambda m: -points[m.id]):
        out.append(m.id)
        covered += points[m.id]
        if covered > room or (not result.originating and covered >= room):
            break
    else:
        if result.originating:  # even all of them together would not sink it
            return ()
    return tuple(dict.fromkeys(out))


class _Basis(dict[int, str]):
    """Why each node is (not) originating: explicit for plants and pass-throughs, derived for sources."""

    def __init__(self, country: NDArray[np.str_], certified: NDArray[np.bool_], in_region: NDArray[np.bool_]) -> None:
        super().__init__()
        self.country, self.certified, self.in_region = country, certified, in_region

    def of(self, node: int) -> str:
        if node in self:
            return self[node]
        where = str(self.country[node]) or "an unknown country"
        if self.certified[node]:
            return f"certified originating by its supplier in {where}"
        if self.in_region[node]:
            return f"no certification of origin from the supplier in {where}"
        return f"sourced from {where}, outside the USMCA region"


@dataclass(frozen=True)
class NetworkAnalysis:
    """The node-level state behind :func:`determine_network`, reused by the qualification advisor."""

    data: NetworkInputs
    originating: NDArray[np.bool_]  # per node
    basis: _Basis  # per node: why it is (not) originating
    in_region: NDArray[np.bool_]
    weekly: NDArray[np.float64]  # units per week per node for the network's demand
    edges_sorted: NDArray[np.int64]  # active edges ordered by consumer
    starts: NDArray[np.int64]  # edges_sorted[starts[n]:starts[n + 1]] are the active inputs of node n
    roots: frozenset[int]
    outcome: dict[int, GoodOrigin]
    in_house: NDArray[np.bool_] | None = None  # per node: an in-house sub-assembly (allyshore.origin.bom)
    bom: Bom | None = None
    designate: str = "given"


def analyse_network(
    network: Network,
    good: str | None = None,
    as_of: date | None = None,
    rules: Mapping[str, Any] | None = None,
    designate: str = "given",
) -> NetworkAnalysis:
    """Decide the finished goods (or ``good``) and every node below them, bottom-up (see :func:`determine_network`)."""
    if designate not in DESIGNATE_MODES:
        raise InputError(f"designate must be one of {', '.join(DESIGNATE_MODES)}, not {designate!r}")
    data = network_inputs(network, rules)
    graph = data.graph
    item_ids = graph.item_ids
    demand = network.demand
    finished_items = set(demand.get_column("item_id").to_list())
    kinds = graph.node_kind
    roots = np.flatnonzero((kinds == _MAKE) & graph.node_active)
    roots = roots[[item_ids[graph.node_item[r]] in finished_items for r in roots]] if roots.size else roots
    if good is not None:
        roots = roots[[item_ids[graph.node_item[r]] == good for r in roots]] if roots.size else roots
        if roots.size == 0:
            raise NotFoundError(
                f"{good!r} is not a finished good made at a plant of {network.name!r} "
                "(it needs demand and a supply row at a site where its BOM is consumed)"
            )
    # Units per week of every node for the demand, then the nodes below the roots (one unit of each rolled down).
    levels = calc_levels(graph)
    ok = graph.demand_node >= 0
    per_node = np.bincount(graph.demand_node[ok], weights=graph.demand_units[ok], minlength=graph.n_nodes)
    weekly = calc_requirements(levels, per_node.astype(np.float64))
    needed = calc_requirements(levels, np.bincount(roots, minlength=graph.n_nodes).astype(np.float64)) != 0.0

    active_edges = np.flatnonzero(graph.edge_active)
    order = np.argsort(graph.edge_consumer[active_edges], kind="stable")
    edges_sorted = active_edges[order]
    starts = np.searchsorted(graph.edge_consumer[edges_sorted], np.arange(graph.n_nodes + 1))

    country = graph.node_country
    in_region = np.isin(country, list(USMCA_PARTIES))
    site_kind = np.asarray(network.sites.get_column("kind").fill_null("").to_list() or [""], dtype=object)
    plant = (site_kind[graph.node_site] == "plant") if graph.n_nodes else np.zeros(0, dtype=bool)
    in_house = (kinds == _MAKE) & graph.node_active & plant & in_region
    originating = np.zeros(graph.n_nodes, dtype=bool)
    basis = _Basis(country, data.certifies & in_region, in_region)
    outcome: dict[int, GoodOrigin] = {}
    root_set = set(roots.tolist())
    bom = Bom(data, edges_sorted, starts, originating, basis.of, in_house, in_region, as_of)

    # Sources: originating when certified in the region (vectorised); why, in words, on demand (_Basis).
    certified = data.certifies & in_region
    originating[:] = certified
    is_root = np.zeros(graph.n_nodes, dtype=bool)
    is_root[roots] = True
    to_decide = needed & ((kinds == _MAKE) | (kinds == _PASS)) & ~(certified & ~is_root)
    for node in np.flatnonzero(to_decide)[np.argsort(graph.depth[to_decide], kind="stable")].tolist():
        kind = kinds[node]
        edges = edges_sorted[starts[node] : starts[node + 1]]
        if kind == _PASS and not is_root[node]:
            upstream = graph.edge_supplier[edges]
            originating[node] = bool(upstream.size) and bool(originating[upstream].all())
            basis[node] = "passed through from originating sources" if originating[node] else "passed through"
            continue
        if node in root_set:
            outcome[node] = _decide_good(node, bom, data, in_region, weekly, as_of, designate)
            if outcome[node].originating:
                originating[node] = True
            continue
        # A sub-assembly counts as originating only if it can qualify: made in the region, with a rule.
        item = int(graph.node_item[node])
        if not in_region[node]:
            basis.setdefault(node, f"made in {country[node] or 'an unknown country'}, outside the USMCA region")
            continue
        if len(data.hs[item]) < 6 or (item_ids[item] not in data.rules and find_rule(data.hs[item], as_of) is None):
            basis.setdefault(node, "made in the region, but no rule of origin is known for it")
            continue
        if in_house[node]:  # on its own, everything inside looked through (where it is not used in-house)
            result = bom.alone(node)
            originating[node] = result is not None and result.originating
            basis[node] = (
                f"made in-house in the region and qualifies on its own (criterion {result.criterion})"
                if result is not None and result.originating
                else "made in-house in the region but does not qualify on its own"
            )
            continue
        decided = _decide(node, bom.lines(node, nest=False), data, in_region, weekly, as_of)
        if decided.status == "originating":
            originating[node] = True
            basis[node] = f"made in the region and qualifies itself (criterion {decided.criterion})"
        elif node not in basis:
            basis[node] = "made in the network but does not qualify" if in_region[node] else "made outside the region"
    return NetworkAnalysis(
        data, originating, basis, in_region, weekly, edges_sorted, starts, frozenset(root_set), outcome,
        in_house, bom, designate,
    )  # fmt: skip


def determine_network(
    network: Network,
    good: str | None = None,
    *,
    as_of: AsOf = None,
    rules: Mapping[str, Any] | None = None,
    designate: str = "given",
) -> NetworkOrigin:
    """Decide USMCA origin for every finished good of ``network`` (or just ``good``).

    In-house sub-assemblies (made at a ``plant`` of the network in the region) are looked
    through, down every BOM level, unless designated as intermediate materials
    (:mod:`allyshore.origin.bom`). ``designate`` chooses: ``given`` (default: the items'
    ``designated_intermediate`` column, look-through where it is blank), ``none`` (look
    through every one), ``all`` (designate every one, within the s.8(6) proviso) or ``auto``
    (per good, the better of look-through and designating those that qualify on their own:
    originating over not, then the larger RVC margin). Each good reports the designation
    applied and, where designating the qualifying ones (or looking through) decides it
    differently, that alternative.

    Sub-assemblies made by suppliers in the region are decided first (bottom-up), so that a
    qualifying one counts as an originating material of the goods above it.
    ``as_of`` is the date the rules are read at (a date or ``YYYY-MM-DD``; by default every rule in force
    without a date).
    Per good the result gives the verdict, the RVC with its method, threshold
    and margin (percentage points), and the *deciding materials*: for an
    originating good, the fewest originating materials (largest first) whose
    loss of origin would take the RVC below the threshold; for a good that
    fails, the materials failing the tariff shift and the fewest non-originating
    materials (largest first) whose origin would close the RVC gap.

    Raises
    ------
    NotFoundError
        ``good`` is not a finished good made at a plant of the network.
    ValidationError
        An optional origin column holds an unreadable value.
    InputError
        ``designate`` is not one of ``given``, ``none``, ``all``, ``auto``.
    """
    as_of = None if as_of is None else as_date(as_of)
    analysis = analyse_network(network, good=good, as_of=as_of, rules=rules, designate=designate)
    graph = analysis.data.graph
    item_ids, site_ids = graph.item_ids, graph.site_ids
    root_set, outcome = analysis.roots, analysis.outcome
    goods = tuple(
        outcome[r] for r in sorted(root_set, key=lambda r: (item_ids[graph.node_item[r]], site_ids[graph.node_site[r]]))
    )
    made_in_house = (
        {item_ids[graph.node_item[n]] for n in np.flatnonzero(analysis.in_house)}
        if analysis.in_house is not None
        else set()
    )
    stray = sorted(analysis.data.designated - made_in_house)
    assumptions: tuple[str, ...] = (
        "Material values: quantity x share x (unit price at the source + lane freight per unit), USD per unit of the "
        "good, exact to the micro-dollar (SOR/2020-155 s.8(1)).",
        "A purchased material is originating when its source is in MX, US or CA and supplier_certifies_origin is "
        "true, or when a supplier makes it in the region and it qualifies itself; otherwise it is treated as "
        "non-originating (SOR s.7(21)).",
        "A source without unit_price is valued at the item's unit_cost. "
        "Transaction value: the plant's unit_price less international_shipping_per_unit (none when the plant has "
        "no unit_price: net cost only); total cost: materials + "
        "other_costs_per_unit (or total_cost_per_unit); net cost: total cost less excluded_costs_per_unit "
        "(SOR s.1(1), s.7(13)-(14)).",
        "Rules: the item's origin_rule when given, else the product-specific rule of its hs_code in the rules library"
        + (f", valid on {as_of.isoformat()}." if as_of else ", latest version."),
        "In-house sub-assemblies (made at a plant of the network in the USMCA region: the producer's own production, "
        "SOR s.1 'self-produced material'; across parties, s.9 accumulation) are looked through unless designated: "
        "their own non-originating materials count, down every BOM level (s.7(5)(a)); for the tariff shift they "
        "undergo the good's rule, or the sub-assembly does itself (s.3(8)). A designated one is valued at its total "
        "cost, originating in full when it qualifies on its own, else non-originating (s.7(4)(b), s.8(6)-(8)). "
        "Designation: " + _MODE_WORDS[designate] + ".",
        "An in-house sub-assembly is valued at its total cost: total_cost_per_unit, else materials + "
        "other_costs_per_unit, else its unit_price when neither is given; on its own it is decided by net cost "
        "only (it is not sold: no transaction value).",
        "Units per year: 52 weeks of the network's demand reaching the plant.",
    )
    if stray:
        assumptions += (
            f"designated_intermediate is set on {', '.join(stray)}, which no plant of the network makes in the "
            "region: ignored (only a self-produced material can be designated, SOR s.8(6)).",
        )
    return NetworkOrigin(network.name, goods, as_of, assumptions, analysis, designate)


_MODE_WORDS = {
    "given": "the items' designated_intermediate column (look-through where blank)",
    "none": "none (every in-house sub-assembly looked through)",
    "all": "every in-house sub-assembly designated, within the s.8(6) proviso",
    "auto": "per good, the better of look-through and designating the sub-assemblies that qualify on their own "
    "(originating over not, then the larger RVC margin)",
}


def _decide_good(
    node: int,
    bom: Bom,
    data: NetworkInputs,
    in_region: NDArray[np.bool_],
    weekly: NDArray[np.float64],
    as_of: date | None,
    mode: str,
) -> GoodOrigin:
    """A finished good under the designation ``mode`` asks for, with the alternatives that decide it differently."""
    base = bom.lines(node)
    in_house = tuple(sorted({m.item_id for m in walk(base) if m.self_produced}))
    trees: dict[str, tuple[MaterialLine, ...]] = {}
    decided: dict[frozenset[str], GoodOrigin] = {}

    def tree(basis: str) -> tuple[MaterialLine, ...]:
        if basis not in trees:
            trees[basis] = bom.finish(bom.designate(base, basis)) if in_house else base
        return trees[basis]

    def decide(basis: str) -> GoodOrigin:
        key = designated_ids(tree(basis))
        if key not in decided:
            decided[key] = _decide(node, tree(basis), data, in_region, weekly, as_of)
        return decided[key]

    given = AS_GIVEN if any(m.designated for m in walk(tree(AS_GIVEN))) else LOOK_THROUGH
    if mode == "auto":
        options = list(dict.fromkeys([LOOK_THROUGH, QUALIFYING, given]))
        applied = max(options, key=lambda b: _merit(decide(b)))  # max keeps the first of equals: look-through
    else:
        applied = {"given": given, "none": LOOK_THROUGH, "all": ALL}[mode]
    good = decide(applied)
    if not in_house:
        return replace(
            good, designation=Designation(mode, LOOK_THROUGH, (), (), "No in-house sub-assembly below the good.")
        )
    alternatives: list[DesignationOutcome] = []
    if good.case is not None:  # decided: the other designations may decide it differently
        seen = {designated_ids(tree(applied))}
        for basis in dict.fromkeys([LOOK_THROUGH, QUALIFYING, *([given] if mode == "auto" else [])]):
            key = designated_ids(tree(basis))
            if key not in seen:
                seen.add(key)
                alternatives.append(_outcome(decide(basis), basis, designated_items(tree(basis))))
    designation = _designation(mode, applied, tree(applied), bom.data.designated, good, alternatives)
    return replace(good, designation=designation, alternatives=tuple(alternatives))


def _outcome(good: GoodOrigin, basis: str, items: tuple[str, ...]) -> DesignationOutcome:
    return DesignationOutcome(
        basis, items, good.status, good.criterion, good.method, good.rvc, good.threshold, good.margin, good.reason
    )


def _merit(good: GoodOrigin) -> tuple[bool, float]:
    return good.originating, good.margin if good.margin is not None else 0.0


def _designation(
    mode: str,
    basis: str,
    lines: tuple[MaterialLine, ...],
    column: frozenset[str],
    good: GoodOrigin,
    alternatives: Sequence[DesignationOutcome] = (),
) -> Designation:
    """What was applied to the good, in words, with the sections of the Regulations."""
    in_house = tuple(sorted({m.item_id for m in walk(lines) if m.self_produced}))
    items = designated_items(lines)
    words: list[str] = []
    looked = sorted({m.item_id for m in walk(lines) if m.self_produced and not m.designated} - set(items))
    designated = [m for m in walk(lines) if m.designated]
    if designated:
        parts = [f"{m.item_id} ({_designated_words(m)})" for m in designated]
        words.append(
            f"Designated as intermediate material(s) (SOR/2020-155 s.8(6)-(8), s.7(4)(b)): {'; '.join(dict.fromkeys(parts))}."
        )
    if looked:
        words.append(
            f"Looked through (not designated): {', '.join(looked)}: their own non-originating materials count toward "
            "the good, down the BOM (SOR/2020-155 s.7(5)(a)); for the tariff shift they undergo the good's rule, "
            "or the sub-assembly does itself (s.3(2), s.3(8))."
        )
    requested = set()
    if basis == AS_GIVEN:
        requested = {m.id for m in walk(lines) if m.self_produced and m.item_id in column}
    elif basis == ALL:
        requested = {m.id for m in walk(lines) if m.self_produced}
    dropped = sorted({m.item_id for m in walk(lines) if m.id in requested and not m.designated})
    if dropped:
        words.append(
            f"Not designated despite the request: {', '.join(dropped)}, which contain(s) another designated "
            "sub-assembly, both subject to an RVC requirement (SOR/2020-155 s.8(6) proviso, s.8(28) Example 5)."
        )
    if mode == "auto":
        verdict = "originating" if good.originating else "not originating"
        rivals = "; ".join(
            f"{a.applied.replace('_', '-')}{' of ' + ', '.join(a.items) if a.items else ''}: "
            f"{a.status.replace('_', ' ')}{'' if a.rvc is None else f', RVC {a.rvc:.1f}%'}"
            for a in alternatives
        )
        words.append(
            f"Designation chosen automatically (--designate auto): {verdict}"
            + ("" if good.rvc is None else f", RVC {good.rvc:.1f}%")
            + (f", better than or equal to {rivals}" if rivals else "")
            + " (originating over not, then the larger RVC margin)."
        )
    return Designation(mode, basis, items, in_house, " ".join(words))


def _designated_words(m: MaterialLine) -> str:
    if m.originating:
        return "qualifies on its own: its whole value, at total cost, counts as originating"
    if "no rule of origin is known" in m.basis:
        return "no rule of origin is known for it, so it cannot qualify on its own: non-originating at its total cost"
    return "does not qualify on its own: non-originating at its total cost"


def _decide(
    node: int,
    lines: tuple[MaterialLine, ...],
    data: NetworkInputs,
    in_region: NDArray[np.bool_],
    weekly: NDArray[np.float64],
    as_of: date | None,
) -> GoodOrigin:
    graph = data.graph
    item = int(graph.node_item[node])
    site = int(graph.node_site[node])
    hs = data.hs[item]

    def undetermined(reason: str) -> GoodOrigin:
        return GoodOrigin(
            graph.item_ids[item], graph.site_ids[site], data.names[item], hs, str(graph.node_country[node]),
            "undetermined", None, None, None, None, None, (), lines, float(weekly[node] * WEEKS_PER_YEAR), reason,
        )  # fmt: skip

    if not in_region[node]:
        good = undetermined("")
        return GoodOrigin(
            good.item_id, good.site_id, good.name, hs, good.country, "not_originating", None, None, None, None, None,
            (), good.materials, good.units_per_year,
            f"made in {good.country or 'an unknown country'}, outside the territories of the USMCA parties (SOR s.3)",
        )  # fmt: skip
    if len(hs) < 6:
        return undetermined("the item has no 6-digit hs_code")
    # Without a rule only criteria C and E (a Schedule 2 good imported from another party) can decide.
    no_rule = graph.item_ids[item] not in data.rules and find_rule(hs, as_of) is None
    no_rule_reason = f"no product-specific rule for HS {hs} in the rules library"
    bought = [m for m in walk(lines) if not m.self_produced]
    missing = sorted({m.item_id for m in bought if np.isnan(m.value)})
    if no_rule and (missing or any(not m.hs and not m.originating for m in bought)):
        return undetermined(no_rule_reason)
    if missing:
        return undetermined(f"no unit_price (or unit_cost) for material(s) {', '.join(missing)}")
    no_hs = sorted({m.item_id for m in bought if not m.hs and not m.originating})
    if no_hs:
        return undetermined(f"no hs_code for non-originating material(s) {', '.join(no_hs)}")
    case = network_case(node, lines, data, as_of)
    try:
        result = determine_origin(case)
    except AllyshoreError as exc:
        return undetermined(str(exc))
    if no_rule and not result.originating:
        return undetermined(no_rule_reason)
    rvc = result.rvc
    return GoodOrigin(
        item_id=graph.item_ids[item],
        site_id=graph.site_ids[site],
        name=data.names[item],
        hs=hs,
        country=str(graph.node_country[node]),
        status="originating" if result.originating else "not_originating",
        criterion=result.criterion,
        method=None if rvc is None else rvc.method,
        rvc=None if rvc is None else float(rvc.value),
        threshold=None if rvc is None else float(rvc.threshold),
        margin=None if rvc is None else float(rvc.value - rvc.threshold),
        deciding_materials=_deciding(result, lines),
        materials=lines,
        units_per_year=float(weekly[node] * WEEKS_PER_YEAR),
        reason="" if result.originating else "failed: " + ", ".join(result.failed_requirements or ("the rule",)),
        result=result,
        case=case,
    )


__all__ = [
    "DESIGNATE_MODES",
    "Designation",
    "DesignationOutcome",
    "GoodOrigin",
    "MaterialLine",
    "NetworkAnalysis",
    "NetworkOrigin",
    "analyse_network",
    "case_document",
    "determine_network",
    "network_case",
    "usd_to_fraction",
]
