"""From the network to origin: decide every finished good of a supply network under USMCA.

Each finished good (an item with demand) made at a plant (a ``supply`` row whose
item has a BOM) becomes an origin case, built from the network itself:

* **materials**: the plant's direct BOM inputs, one material per inbound source
  (site) of each input, valued per unit of the good as ``quantity x share x
  (unit_price at the source + freight_per_unit of the lane)`` (SOR/2020-155
  s.8(1): the value of an imported material includes the costs of transporting it
  to the place of importation). Values are kept exact to the micro-dollar.
* **origin of a material** (SOR s.3, s.9): originating when its source site is in
  a USMCA country (MX, US, CA) and the supplier certifies its origin (column
  ``supplier_certifies_origin`` on the source's ``supply`` row), or when the
  source is itself a plant of the network, in the region, whose item qualifies
  (decided first, bottom-up by tier). A pass-through site (warehouse,
  distributor) passes on originating status only when every active source behind
  it is originating. Anything else is non-originating, as the producer must
  treat a material of unproven origin (SOR s.7(21); brief s.2).
* **the good's value and costs**: the plant's ``unit_price`` is the transaction
  value (less ``international_shipping_per_unit``, SOR s.1(1) "transaction
  value"); total cost = materials + ``other_costs_per_unit`` (or ``total_cost_per_unit``
  when given); ``excluded_costs_per_unit`` (sales promotion, royalties, shipping
  and packing, non-allowable interest: SOR s.7(13)-(14)) is taken out of net cost.
* **the rule**: the item's ``origin_rule`` (a rule in the origin case format, as JSON,
  e.g. ``{"alternatives": [{"tariff_shift": {"level": "heading"}, "rvc": {"transaction_value": 60}}]}``)
  or the ``rules`` argument when given, else the product-specific rule of the good's
  ``hs_code`` in the rules library (:func:`allyshore.origin.lookup_rule`), on ``as_of``.

Optional network columns read here (declared in :mod:`allyshore.model.schema` with
``used_by`` :data:`~allyshore.model.schema.USMCA_ORIGIN`, so reading types and checks them):
``origin_rule`` on ``items`` (above), and on ``supply`` rows, per unit of the row's item, in USD:

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

import html
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from fractions import Fraction
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from allyshore.errors import AllyshoreError, NotFoundError, Problem, ValidationError
from allyshore.model.graph import KIND_CODES, NodeGraph, compile_network, multipliers
from allyshore.model.network import Network
from allyshore.model.schema import FALSE_WORDS, TRUE_WORDS, USMCA_ORIGIN, analysis_columns
from allyshore.origin.case import Case, Costs, Material, Rule, RuleIn, _hs, rule_from_model
from allyshore.origin.determine import determine_origin
from allyshore.origin.network_context import good_context
from allyshore.origin.result import OriginResult, fmt
from allyshore.origin.rules import find_rule

#: The parties to USMCA: a material's source must be in one of them to be originating.
USMCA_PARTIES = frozenset({"MX", "US", "CA"})
MICRO = 1_000_000
WEEKS_PER_YEAR = 52

_MAKE, _PASS, _RAW = KIND_CODES.index("make"), KIND_CODES.index("pass"), KIND_CODES.index("raw")

#: Optional supply columns (name -> type) read by the origin analysis, as the schema declares them.
ORIGIN_COLUMNS: dict[str, str] = {c.name: c.type for c in analysis_columns(USMCA_ORIGIN, "supply")}
_TRUE = set(TRUE_WORDS)
_FALSE = {*FALSE_WORDS, ""}


def money(value: float) -> Fraction:
    """A USD amount as an exact fraction, to the micro-dollar.

    >>> money(18.8)
    Fraction(94, 5)
    """
    return Fraction(round(value * MICRO), MICRO)


# --------------------------------------------------------------------------- reading the optional columns


def origin_columns(network: Network) -> dict[str, NDArray[Any]]:
    """The optional origin columns of ``supply`` as arrays (nan / False when blank or absent), validated.

    A loaded network has them typed and checked already (:mod:`allyshore.io.readers`);
    a network built by hand may carry them as text, read here the same way.

    Raises
    ------
    ValidationError
        A value cannot be read as a number (or a yes/no); every bad cell is reported.
    """
    supply = network.supply
    problems: list[Problem] = []
    out: dict[str, NDArray[Any]] = {}
    for name, kind in ORIGIN_COLUMNS.items():
        if name not in supply.columns:
            out[name] = np.zeros(supply.height, dtype=bool) if kind == "bool" else np.full(supply.height, np.nan)
            continue
        column = supply.get_column(name)
        if kind == "bool" and column.dtype == pl.Boolean:  # typed on reading
            out[name] = column.fill_null(False).to_numpy().astype(bool)
            continue
        texts = column.cast(pl.String).str.strip_chars().str.to_lowercase().fill_null("")
        if kind == "bool":
            values = texts.to_list()
            out[name] = np.array([v in _TRUE for v in values], dtype=bool)
            bad = [i for i, v in enumerate(values) if v not in _TRUE and v not in _FALSE]
            hint = "use true or false (yes/no, 1/0)"
        else:
            typed = column.dtype.is_numeric()  # typed on reading: no text to parse
            numbers = column.cast(pl.Float64) if typed else texts.replace("", None).cast(pl.Float64, strict=False)
            bad = [] if typed else (numbers.is_null() & (texts != "")).arg_true().to_list()
            bad += (numbers < 0).fill_null(False).arg_true().to_list()
            out[name] = numbers.fill_null(np.nan).to_numpy().astype(np.float64)
            hint = "a non-negative amount in USD per unit"
        problems += [
            Problem(
                "supply",
                f"cannot read {supply.get_column(name)[i]!r} as {'a yes/no' if kind == 'bool' else 'an amount'}",
                row=network.row_of("supply", i),
                column=name,
                hint=hint,
                source=network.source_of("supply"),
            )
            for i in sorted(set(bad))
        ]
    if problems:
        raise ValidationError(problems, what="network's origin columns")
    return out


def item_rules(network: Network, rules: Mapping[str, Any] | None = None) -> dict[str, Rule]:
    """Rules given with the network: the ``origin_rule`` column of ``items`` (JSON), then ``rules`` by item id.

    Raises
    ------
    ValidationError
        A rule is not valid JSON or not a rule of the origin case format.
    """
    import json

    import pydantic

    items = network.items
    given: list[tuple[str, Any, int | None]] = []
    if "origin_rule" in items.columns:
        for i, (item, text) in enumerate(
            zip(items.get_column("item_id").to_list(), items.get_column("origin_rule").to_list(), strict=True)
        ):
            if text is not None and str(text).strip():
                given.append((item, text, i))
    given += [(item, rule, None) for item, rule in (rules or {}).items()]
    out: dict[str, Rule] = {}
    problems: list[Problem] = []
    hs_of = dict(zip(items.get_column("item_id").to_list(), items.get_column("hs_code").to_list(), strict=True))
    parsed: dict[str, Rule] = {}  # one parse per distinct rule text
    for item, value, index in given:
        where = (
            {"row": network.row_of("items", index), "source": network.source_of("items")} if index is not None else {}
        )
        try:
            key = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
            if key not in parsed:
                data = json.loads(value) if isinstance(value, str) else value
                parsed[key] = rule_from_model(RuleIn.model_validate(data), "", "case")
            out[item] = replace(parsed[key], hs=_hs(hs_of.get(item) or ""))
        except (json.JSONDecodeError, pydantic.ValidationError, TypeError) as exc:
            detail = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc).splitlines()[-1].strip()
            problems.append(
                Problem(
                    "items",
                    f"origin_rule of {item!r} is not a rule of the origin case format: {detail}",
                    column="origin_rule",
                    hint='e.g. {"alternatives": [{"tariff_shift": {"level": "heading"}, "rvc": null}]}',
                    **where,  # type: ignore[arg-type]
                )
            )
    if problems:
        raise ValidationError(problems, what="network's origin rules")
    return out


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class MaterialLine:
    """One material of a good's case: an input item from one source, per unit of the good."""

    id: str
    item_id: str
    source_site: str
    country: str
    hs: str
    value: float
    originating: bool
    basis: str  # why it is (not) originating

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "item_id": self.item_id,
            "source_site": self.source_site,
            "country": self.country,
            "hs": self.hs,
            "value": self.value,
            "originating": self.originating,
            "basis": self.basis,
        }


@dataclass(frozen=True)
class GoodOrigin:
    """The origin of one finished good made at one plant."""

    item_id: str
    site_id: str
    name: str
    hs: str
    country: str
    status: str  # originating | not_originating | undetermined
    criterion: str | None
    method: str | None
    rvc: float | None
    threshold: float | None
    margin: float | None  # RVC points above (+) or below (-) the threshold
    deciding_materials: tuple[str, ...]
    materials: tuple[MaterialLine, ...]
    units_per_year: float
    reason: str = ""
    result: OriginResult | None = field(default=None, repr=False, compare=False)
    case: Case | None = field(default=None, repr=False, compare=False)

    @property
    def originating(self) -> bool:
        return self.status == "originating"

    def to_dict(self) -> dict[str, Any]:
        return {
            "item_id": self.item_id,
            "site_id": self.site_id,
            "name": self.name,
            "hs": self.hs,
            "country": self.country,
            "status": self.status,
            "originating": self.originating,
            "criterion": self.criterion,
            "rvc": None
            if self.rvc is None
            else {"method": self.method, "value": self.rvc, "threshold": self.threshold, "margin": self.margin},
            "deciding_materials": list(self.deciding_materials),
            "materials": [m.to_dict() for m in self.materials],
            "units_per_year": self.units_per_year,
            "reason": self.reason,
            "determination": None if self.result is None else self.result.to_dict(),
        }


@dataclass(frozen=True)
class NetworkOrigin:
    """USMCA origin of every finished good of a network (:func:`determine_network`)."""

    network: str
    goods: tuple[GoodOrigin, ...]
    as_of: date | None
    assumptions: tuple[str, ...]
    analysis: NetworkAnalysis | None = field(default=None, repr=False, compare=False)

    def __iter__(self) -> Iterator[GoodOrigin]:
        return iter(self.goods)

    def good(self, item_id: str, site_id: str | None = None) -> GoodOrigin:
        for g in self.goods:
            if g.item_id == item_id and (site_id is None or g.site_id == site_id):
                return g
        raise NotFoundError(f"no finished good {item_id!r} in the origin results of {self.network!r}")

    def to_dict(self) -> dict[str, Any]:
        counts = {s: sum(g.status == s for g in self.goods) for s in ("originating", "not_originating", "undetermined")}
        return {
            "network": self.network,
            "as_of": None if self.as_of is None else self.as_of.isoformat(),
            "summary": {"goods": len(self.goods), **counts},
            "goods": [g.to_dict() for g in self.goods],
            "assumptions": list(self.assumptions),
        }

    def to_frame(self) -> pl.DataFrame:
        schema = {
            "item_id": pl.String,
            "site_id": pl.String,
            "hs": pl.String,
            "status": pl.String,
            "criterion": pl.String,
            "method": pl.String,
            "rvc": pl.Float64,
            "threshold": pl.Float64,
            "margin": pl.Float64,
            "deciding_materials": pl.String,
            "units_per_year": pl.Float64,
        }
        rows = [
            (
                g.item_id,
                g.site_id,
                g.hs,
                g.status,
                g.criterion,
                g.method,
                g.rvc,
                g.threshold,
                g.margin,
                ", ".join(g.deciding_materials),
                g.units_per_year,
            )
            for g in self.goods
        ]
        return pl.DataFrame(rows, schema=schema, orient="row")

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(g.item_id)}</td><td>{html.escape(g.site_id)}</td><td>{html.escape(g.hs)}</td>"
            f"<td>{html.escape(g.status.replace('_', ' '))}</td>"
            f"<td>{'' if g.rvc is None else f'{g.rvc:.1f}% / {g.threshold:g}%'}</td>"
            f"<td>{html.escape(', '.join(g.deciding_materials))}</td></tr>"
            for g in self.goods
        )
        return (
            "<table><thead><tr><th>good</th><th>plant</th><th>HS</th><th>verdict</th><th>RVC / threshold</th>"
            f"<th>deciding materials</th></tr></thead><tbody>{rows}</tbody></table>"
        )


# --------------------------------------------------------------------------- the analysis


@dataclass(frozen=True)
class _Inputs:
    graph: NodeGraph
    hs: list[str]
    names: list[str]
    edge_value: NDArray[np.float64]  # USD per unit of consumer
    certifies: NDArray[np.bool_]
    other: NDArray[np.float64]
    excluded: NDArray[np.float64]
    total: NDArray[np.float64]
    shipping: NDArray[np.float64]
    selling_price: NDArray[np.float64]  # the supply row's own unit_price (nan when blank): the transaction value
    rules: dict[str, Rule]


def _inputs(network: Network, rules: Mapping[str, Any] | None = None) -> _Inputs:
    graph = compile_network(network)
    columns = origin_columns(network)
    n = graph.n_nodes

    def per_node(values: NDArray[Any], fill: Any) -> NDArray[Any]:
        out = np.full(n, fill, dtype=values.dtype)
        has_row = graph.node_supply_row >= 0
        out[has_row] = values[graph.node_supply_row[has_row]]
        return out

    freight = network.flows.get_column("freight_per_unit").fill_null(0.0).to_numpy().astype(np.float64)
    edge_freight = np.where(graph.edge_flow >= 0, freight[np.maximum(graph.edge_flow, 0)] if freight.size else 0.0, 0.0)
    price = graph.node_price[graph.edge_supplier]
    edge_value = graph.edge_qty * graph.edge_share * (price + edge_freight)
    items = network.items
    return _Inputs(
        graph=graph,
        hs=items.get_column("hs_code").fill_null("").str.replace_all(r"[^0-9A-Za-z]", "").str.to_lowercase().to_list(),
        names=items.select(pl.coalesce("name", "item_id")).to_series().to_list(),
        edge_value=edge_value,
        certifies=per_node(columns["supplier_certifies_origin"], False),
        other=per_node(columns["other_costs_per_unit"], np.nan),
        excluded=per_node(columns["excluded_costs_per_unit"], np.nan),
        total=per_node(columns["total_cost_per_unit"], np.nan),
        shipping=per_node(columns["international_shipping_per_unit"], np.nan),
        selling_price=per_node(
            network.supply.get_column("unit_price").fill_null(np.nan).to_numpy().astype(np.float64), np.nan
        ),
        rules=item_rules(network, rules),
    )


def _deciding(result: OriginResult, lines: Sequence[MaterialLine]) -> tuple[str, ...]:
    """The materials that decide the verdict (see :func:`determine_network`)."""
    out: list[str] = []
    if not result.originating and result.tariff_shift is not None and not result.tariff_shift.passed:
        out += list(result.tariff_shift.failing_materials)
    rvc = result.rvc
    if rvc is None or rvc.base <= 0:
        return tuple(dict.fromkeys(out))
    points = {m.id: Fraction(money(m.value)) / rvc.base * 100 for m in lines}
    margin = rvc.value - rvc.threshold
    # Largest first, the fewest materials whose change of origin flips the verdict: originating ones
    # that would sink an originating good, non-originating ones whose origin would close the gap.
    if result.originating and margin >= 0:
        pool, room = [m for m in lines if m.originating], margin
    elif not result.originating and margin < 0:
        pool, room = [m for m in lines if not m.originating], -margin
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

    data: _Inputs
    originating: NDArray[np.bool_]  # per node
    basis: _Basis  # per node: why it is (not) originating
    in_region: NDArray[np.bool_]
    weekly: NDArray[np.float64]  # units per week per node for the network's demand
    edges_sorted: NDArray[np.int64]  # active edges ordered by consumer
    starts: NDArray[np.int64]  # edges_sorted[starts[n]:starts[n + 1]] are the active inputs of node n
    roots: frozenset[int]
    outcome: dict[int, GoodOrigin]


def analyse_network(
    network: Network,
    good: str | None = None,
    as_of: date | None = None,
    rules: Mapping[str, Any] | None = None,
) -> NetworkAnalysis:
    """Decide the finished goods (or ``good``) and every node below them, bottom-up (see :func:`determine_network`)."""
    data = _inputs(network, rules)
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
    # Units per week of each root for the demand (multipliers from demand nodes), then the nodes below the roots.
    demand_nodes = graph.demand_node[graph.demand_node >= 0]
    weekly = np.zeros(graph.n_nodes)
    if demand_nodes.size:
        m = multipliers(graph, demand_nodes)
        weekly = np.asarray(m @ graph.demand_units[graph.demand_node >= 0]).reshape(-1)
    below = multipliers(graph, roots) if roots.size else None
    needed = np.zeros(graph.n_nodes, dtype=bool)
    if below is not None:
        needed[np.unique(below.nonzero()[0])] = True

    active_edges = np.flatnonzero(graph.edge_active)
    order = np.argsort(graph.edge_consumer[active_edges], kind="stable")
    edges_sorted = active_edges[order]
    starts = np.searchsorted(graph.edge_consumer[edges_sorted], np.arange(graph.n_nodes + 1))

    country = graph.node_country
    in_region = np.isin(country, list(USMCA_PARTIES))
    originating = np.zeros(graph.n_nodes, dtype=bool)
    basis = _Basis(country, data.certifies & in_region, in_region)
    outcome: dict[int, GoodOrigin] = {}
    root_set = set(roots.tolist())

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
        if node not in root_set:
            # A sub-assembly counts as originating only if it can qualify: made in the region, with a rule.
            item = int(graph.node_item[node])
            if not in_region[node]:
                basis.setdefault(node, f"made in {country[node] or 'an unknown country'}, outside the USMCA region")
                continue
            if len(data.hs[item]) < 6 or (item_ids[item] not in data.rules and find_rule(data.hs[item], as_of) is None):
                basis.setdefault(node, "made in the region, but no rule of origin is known for it")
                continue
        good_origin = _decide(node, edges, data, originating, basis, in_region, weekly, as_of)
        if good_origin.status == "originating":
            originating[node] = True
            basis[node] = f"made in the region and qualifies itself (criterion {good_origin.criterion})"
        elif node not in basis:
            basis[node] = "made in the network but does not qualify" if in_region[node] else "made outside the region"
        if node in root_set:
            outcome[node] = good_origin
    return NetworkAnalysis(
        data, originating, basis, in_region, weekly, edges_sorted, starts, frozenset(root_set), outcome
    )


def determine_network(
    network: Network,
    good: str | None = None,
    as_of: date | None = None,
    rules: Mapping[str, Any] | None = None,
) -> NetworkOrigin:
    """Decide USMCA origin for every finished good of ``network`` (or just ``good``).

    Sub-assemblies made in the region are decided first (bottom-up), so that a
    qualifying one counts as an originating material of the goods above it.
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
    """
    analysis = analyse_network(network, good, as_of, rules)
    graph = analysis.data.graph
    item_ids, site_ids = graph.item_ids, graph.site_ids
    root_set, outcome = analysis.roots, analysis.outcome
    goods = tuple(
        outcome[r] for r in sorted(root_set, key=lambda r: (item_ids[graph.node_item[r]], site_ids[graph.node_site[r]]))
    )
    assumptions = (
        "Material values: quantity x share x (unit price at the source + lane freight per unit), USD per unit of the "
        "good, exact to the micro-dollar (SOR/2020-155 s.8(1)).",
        "A material is originating when its source is in MX, US or CA and supplier_certifies_origin is true, or when "
        "it is made at a plant of the network in the region and qualifies itself; otherwise it is treated as "
        "non-originating (SOR s.7(21)).",
        "A source without unit_price is valued at the item's unit_cost. "
        "Transaction value: the plant's unit_price less international_shipping_per_unit (none when the plant has "
        "no unit_price: net cost only); total cost: materials + "
        "other_costs_per_unit (or total_cost_per_unit); net cost: total cost less excluded_costs_per_unit "
        "(SOR s.1(1), s.7(13)-(14)).",
        "Rules: the item's origin_rule when given, else the product-specific rule of its hs_code in the rules library"
        + (f", valid on {as_of.isoformat()}." if as_of else ", latest version."),
        "A sub-assembly made in the network is valued at its unit_price and, when it qualifies, counts as "
        "originating in full (as a designated intermediate material, SOR s.8(6)-(8)).",
        "Units per year: 52 weeks of the network's demand reaching the plant.",
    )
    return NetworkOrigin(network.name, goods, as_of, assumptions, analysis)


def _decide(
    node: int,
    edges: NDArray[np.int64],
    data: _Inputs,
    originating: NDArray[np.bool_],
    basis: _Basis,
    in_region: NDArray[np.bool_],
    weekly: NDArray[np.float64],
    as_of: date | None,
) -> GoodOrigin:
    graph = data.graph
    item = int(graph.node_item[node])
    site = int(graph.node_site[node])
    hs = data.hs[item]
    lines: list[MaterialLine] = []
    for e in edges.tolist():
        supplier = int(graph.edge_supplier[e])
        child = int(graph.edge_item[e])
        source = graph.site_ids[graph.node_site[supplier]]
        lines.append(
            MaterialLine(
                id=f"{graph.item_ids[child]}@{source}",
                item_id=graph.item_ids[child],
                source_site=source,
                country=str(graph.node_country[supplier]),
                hs=data.hs[child],
                value=float(data.edge_value[e]),
                originating=bool(originating[supplier]),
                basis=basis.of(supplier),
            )
        )

    def undetermined(reason: str) -> GoodOrigin:
        return GoodOrigin(
            graph.item_ids[item], graph.site_ids[site], data.names[item], hs, str(graph.node_country[node]),
            "undetermined", None, None, None, None, None, (), tuple(lines), float(weekly[node] * WEEKS_PER_YEAR), reason,
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
    if graph.item_ids[item] not in data.rules and find_rule(hs, as_of) is None:
        return undetermined(f"no product-specific rule for HS {hs} in the rules library")
    missing = sorted({m.item_id for m in lines if np.isnan(m.value)})
    if missing:
        return undetermined(f"no unit_price (or unit_cost) for material(s) {', '.join(missing)}")
    no_hs = sorted({m.item_id for m in lines if not m.hs and not m.originating})
    if no_hs:
        return undetermined(f"no hs_code for non-originating material(s) {', '.join(no_hs)}")
    case = network_case(node, lines, data, as_of)
    try:
        result = determine_origin(case)
    except AllyshoreError as exc:
        return undetermined(str(exc))
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
        materials=tuple(lines),
        units_per_year=float(weekly[node] * WEEKS_PER_YEAR),
        reason="" if result.originating else "failed: " + ", ".join(result.failed_requirements or ("the rule",)),
        result=result,
        case=case,
    )


def network_case(node: int, lines: Sequence[MaterialLine], data: _Inputs, as_of: date | None) -> Case:
    """The origin case of the good made at ``node``, with the given material lines."""
    graph = data.graph
    price = data.selling_price[node]  # not the item's standard cost: a transaction value is a price paid
    shipping = data.shipping[node]
    other, excluded, total = data.other[node], data.excluded[node], data.total[node]
    return Case(
        hs=data.hs[int(graph.node_item[node])],
        description=data.names[int(graph.node_item[node])],
        materials=tuple(
            Material(id=m.id, hs=m.hs, value=money(m.value), originating=m.originating, country=m.country)
            for m in lines
        ),
        rule=data.rules.get(graph.item_ids[int(graph.node_item[node])]),
        as_of=as_of,
        transaction_value=None if np.isnan(price) or price <= 0 else money(price),
        international_shipping=Fraction(0) if np.isnan(shipping) else money(shipping),
        costs=Costs(
            other=Fraction(0) if np.isnan(other) else money(other),
            excluded=Fraction(0) if np.isnan(excluded) else money(excluded),
            total_cost=None if np.isnan(total) else money(total),
        ),
        **good_context(graph, node),  # importing country, exporting party, named good (origin_scope)
    )


def case_document(case: Case) -> dict[str, Any]:
    """A :class:`Case` built from a network, in the origin case format v1 (what a saved record keeps)."""
    doc: dict[str, Any] = {
        "good": {"description": case.description, "hs": case.hs},
        "materials": [
            {
                "id": m.id,
                "hs": m.hs,
                "value": fmt(m.value, 6),
                "originating": m.originating,
                **({"country": m.country} if m.country else {}),
            }
            for m in case.materials
        ],
        "other_costs": {"other": fmt(case.costs.other, 6)},
        "excluded_costs": fmt(case.costs.excluded, 6),
    }
    if case.transaction_value is not None:
        doc["transaction_value"] = fmt(case.transaction_value, 6)
        doc["international_shipping"] = fmt(case.international_shipping, 6)
    if case.costs.total_cost is not None:
        doc["total_cost"] = fmt(case.costs.total_cost, 6)
    if case.as_of is not None:
        doc["as_of"] = case.as_of.isoformat()
    for key in ("importing_country", "imported_from", "rule_scope"):
        if getattr(case, key):
            doc[key] = getattr(case, key)
    if case.rule is not None:
        from allyshore.origin.result import rule_to_dict

        doc["rule"] = rule_to_dict(case.rule)
    return doc
