"""Landed-cost analyses over a network: compare the sources of an item, cost the whole network, sensitivity.

>>> import allyshore
>>> net = allyshore.Network.from_dict({
...     "sites": [{"site_id": "A", "country": "CN", "kind": "supplier"},
...               {"site_id": "B", "country": "MX", "kind": "supplier"},
...               {"site_id": "P", "country": "US", "kind": "plant"}],
...     "items": [{"item_id": "X", "hs_code": "9403.60.80", "weight_kg": 2}],
...     "supply": [{"site_id": "A", "item_id": "X", "unit_price": 10},
...                {"site_id": "B", "item_id": "X", "unit_price": 11, "status": "candidate"}],
...     "flows": [{"from_site": "A", "to_site": "P", "item_id": "X", "mode": "ocean", "transit_days": 30,
...                "freight_per_unit": 0.5},
...               {"from_site": "B", "to_site": "P", "item_id": "X", "mode": "truck", "transit_days": 4,
...                "freight_per_unit": 0.4, "status": "candidate"}],
...     "demand": [{"site_id": "P", "item_id": "X", "units_per_week": 100}],
... })
>>> result = compare_sources(net, "X", as_of="2025-06-01")
>>> result.ranking
('B', 'A')
>>> round(result.option("A").per_unit["duty_section_301"], 2)   # List 3: 25% of the USD 10 price
2.5
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from allyshore.conventions import AsOf, as_date
from allyshore.cost.assumptions import Assumption, AssumptionBook, load_assumptions
from allyshore.cost.entries import entry_assumptions, lane_partner_options
from allyshore.cost.figures import finished_goods
from allyshore.cost.kernel import FACTORS, CostInputs, FloatArray, landed_cost, price_path, total_of
from allyshore.cost.options import OPTION_COLUMNS, OptionInputs, build_inputs
from allyshore.cost.results import BreakEven, CostComparison, CostOption, NetworkCost, Sensitivity, Swing
from allyshore.cost.unknown import UnknownDuty, as_records, check_strict, collect, collect_table
from allyshore.errors import InputError, NotFoundError
from allyshore.model.graph import NodeGraph, compile_network
from allyshore.model.network import Network
from allyshore.model.rollup import Levels, calc_levels, calc_requirements

if TYPE_CHECKING:
    from allyshore.resilience.montecarlo import SimulationResult
    from allyshore.trust.policy import PolicySource

Assumptions = AssumptionBook | str | Path | None

#: Parameters every option uses, listed in each result with their source.
GLOBAL_PARAMETERS = (
    "carrying_rate",
    "service_level",
    "demand_cv",
    "insurance_rate",
    "hmf_rate",
    "broker_fee_per_entry",
    "truck_arrival_fee",
    "mpf_exempt_usmca",
    "prepaid_in_transit",
    "travel_audit_rate",
    "quality_rework_rate",
    "ip_risk_rate",
    "warranty_rate",
    "opportunity_rate_per_week",
    "strategic_rate",
    "labour_share",
    "local_currency_share",
    "projection_years",
    "discount_rate",
)


def _book(assumptions: Assumptions) -> AssumptionBook:
    if isinstance(assumptions, AssumptionBook):
        return assumptions
    return load_assumptions(assumptions)


def _tiers(policy: PolicySource) -> tuple[Mapping[str, str] | None, tuple[Assumption, ...]]:
    """Country -> trust tier under ``policy`` for the country-risk default, and the assumption naming the policy
    (nothing for the shipped policy, whose tiers the options look up themselves)."""
    if policy is None:
        return None, ()
    from allyshore.trust import resolve_policy, tiers_under

    chosen = resolve_policy(policy)
    assert chosen is not None
    note = Assumption(
        "trust_policy",
        chosen.name,
        f"trust tiers of the country-risk disruption default under this policy (home {chosen.home})",
        origin="argument",
    )
    return tiers_under(chosen), (note,)


@dataclass(frozen=True, eq=False)
class _Volumes:
    graph: NodeGraph
    levels: Levels  # the graph's active edges by depth, for the roll-ups
    roots: NDArray[np.int64]  # demand nodes of the demand rows that have one
    volume: FloatArray  # units a week of every node


def _volumes(network: Network) -> _Volumes:
    graph = compile_network(network)
    levels = calc_levels(graph)
    ok = graph.demand_node >= 0
    roots = graph.demand_node[ok].astype(np.int64)
    demand = np.bincount(roots, weights=graph.demand_units[ok], minlength=graph.n_nodes).astype(np.float64)
    return _Volumes(graph, levels, roots, calc_requirements(levels, demand))


def annual_flow_units(network: Network, volumes: _Volumes | None = None) -> tuple[FloatArray, pl.DataFrame]:
    """Units a year on every flow row (0 for candidates) and the full need of each (to_site, item)."""
    v = volumes or _volumes(network)
    graph, volume = v.graph, v.volume
    flows_n = network.flows.height
    is_flow = graph.edge_flow >= 0
    consumer = graph.edge_consumer[is_flow]
    flow = graph.edge_flow[is_flow]
    full = volume[consumer] * graph.edge_qty[is_flow] * 52.0
    share = np.where(graph.edge_active[is_flow], graph.edge_share[is_flow], 0.0)
    per_flow: FloatArray = np.zeros(flows_n)
    if flows_n:
        per_flow = np.bincount(flow, weights=full * share, minlength=flows_n)[:flows_n].astype(np.float64)
    # The need of a site for an item counts every edge into it: flows and the site's own make (internal edges).
    consumer = graph.edge_consumer
    full = volume[consumer] * graph.edge_qty * 52.0
    to_site = np.asarray(graph.site_ids, dtype=object)[graph.node_site[consumer]]
    item = np.asarray(graph.item_ids, dtype=object)[graph.edge_item]
    need = (
        pl.DataFrame(
            {
                "to_site": pl.Series(to_site.tolist(), dtype=pl.String),
                "item_id": pl.Series(item.tolist(), dtype=pl.String),
                "consumer": consumer,
                "full": full,
            }
        )
        .group_by("to_site", "item_id", "consumer")
        .agg(pl.col("full").max())
        .group_by("to_site", "item_id")
        .agg(pl.col("full").sum().alias("need"))
    )
    return per_flow, need


def _flow_options(flows: pl.DataFrame) -> pl.DataFrame:
    return flows.with_row_index("flow_row").select(
        pl.col("from_site").alias("source_site"),
        "to_site",
        "item_id",
        pl.col("status").fill_null("active"),
        "mode",
        pl.col("transit_days").cast(pl.Float64),
        pl.col("freight_per_unit").cast(pl.Float64),
        "crossing",
        pl.col("flow_row").cast(pl.Int64),
    )


def disruption_from_monte_carlo(network: Network, simulation: SimulationResult) -> dict[str, float]:
    """Expected disruption cost per unit shipped, per source site, from a stress-test Monte Carlo.

    ``simulation`` is a :class:`allyshore.resilience.montecarlo.SimulationResult`: its expected
    annual lost profit attributed to a site, plus the site's share (by units shipped) of
    what is attributed to its country, divided by the units the site ships a year on
    active flows. Sites that ship nothing today get no figure (the country-risk default applies).
    """
    per_flow, _ = annual_flow_units(network)
    flows = network.flows.select("from_site").with_columns(pl.Series("units", per_flow))
    shipped = flows.group_by("from_site").agg(pl.col("units").sum())
    sites = network.sites.select("site_id", "country")
    frame = sites.join(shipped.rename({"from_site": "site_id"}), on="site_id", how="left").with_columns(
        pl.col("units").fill_null(0.0)
    )
    frame = frame.with_columns(pl.col("units").sum().over("country").alias("country_units"))
    site_loss = {c.source: c.expected_loss for c in simulation.contributions if c.kind == "site"}
    country_loss = {c.source: c.expected_loss for c in simulation.contributions if c.kind == "country"}
    out: dict[str, float] = {}
    for row in frame.filter(pl.col("units") > 0).iter_rows(named=True):  # one row per shipping site
        share = row["units"] / row["country_units"] if row["country_units"] > 0 else 0.0
        loss = site_loss.get(row["site_id"], 0.0) + share * country_loss.get(row["country"], 0.0)
        out[row["site_id"]] = loss / row["units"]
    return out


def origin_engine(network: Network, as_of: dt.date) -> tuple[dict[tuple[str, str], bool], Assumption]:
    """USMCA origin of the network's finished goods by :func:`allyshore.origin.from_network.determine_network`.

    Returns the (site, item) -> originating map of every good the engine decided
    (undetermined goods are left out) and an assumption recording how origin was set.
    A network the engine cannot read falls back to the ``usmca_originating`` column.
    """
    from allyshore.errors import AllyshoreError

    try:
        from allyshore.origin.from_network import determine_network
    except ImportError:  # pragma: no cover - the origin engine ships with allyshore
        return {}, Assumption("origin", "column", "supply.usmca_originating (origin engine not installed)")
    try:
        result = determine_network(network, as_of=as_of)
    except AllyshoreError as error:
        note = f"origin engine could not decide this network ({error}); supply.usmca_originating used"
        return {}, Assumption("origin", "column", note, origin="network")
    decided = {(g.site_id, g.item_id): g.originating for g in result.goods if g.status != "undetermined"}
    summary = ", ".join(f"{s}/{i}: {'originating' if v else 'not originating'}" for (s, i), v in decided.items())
    return decided, Assumption(
        "origin",
        summary or "no finished good decided",
        "allyshore.origin determine_network (USMCA rules of origin); purchased inputs: supplier_certifies_origin",
        as_of.isoformat(),
        origin="origin engine",
    )


def _origin(
    network: Network, as_of: dt.date, given: Mapping[tuple[str, str], bool] | None, use_engine: bool
) -> tuple[Mapping[tuple[str, str], bool] | None, tuple[Assumption, ...]]:
    if given is not None:
        return given, (Assumption("origin", "given", "originating map passed by the caller", origin="argument"),)
    if not use_engine:
        return None, (Assumption("origin", "column", "supply.usmca_originating / supplier_certifies_origin"),)
    decided, note = origin_engine(network, as_of)
    return decided, (note,)


def _global_assumptions(book: AssumptionBook, as_of: dt.date) -> tuple[Assumption, ...]:
    from allyshore.cost.tariffs import mpf_limits

    mpf = mpf_limits(book.mpf, as_of)
    fee = tuple(
        Assumption(f"mpf.{k}", mpf[k], str(mpf["source"]), str(mpf["date"]), unit=u)
        for k, u in (("rate", "share of value"), ("minimum", "USD per entry"), ("maximum", "USD per entry"))
    )
    layers = tuple(
        Assumption(f"layers.{k}", v, f"assumptions file {book.path}", origin="file") for k, v in book.layers.items()
    )
    return (
        Assumption("as_of", as_of.isoformat(), "tariff tables and fees evaluated on this date", origin="argument"),
        *(book.parameter_assumption(k) for k in GLOBAL_PARAMETERS),
        *fee,
        *layers,
        *book.overrides,
    )


def _option_assumptions(
    detail: dict[str, object],
    book: AssumptionBook,
    inputs: CostInputs,
    i: int,
    unknown_duties: tuple[UnknownDuty, ...] = (),
) -> list[Assumption]:
    out: list[Assumption] = []
    lane = str(detail["lane_type"])
    if detail["transit_source"] != "network" or detail["freight_source"] != "network":
        out.append(
            Assumption(
                f"lanes.{lane}",
                {"transit": detail["transit_source"], "freight": detail["freight_source"]},
                str(detail["lane_source"] or "no lane default"),
                str(detail["lane_date"] or ""),
            )
        )
    if detail["freight_source"] == "missing":
        out.append(Assumption("freight_per_unit", 0.0, "missing: no flow value and no lane default; counted as 0"))
    if detail["crossing_source"]:
        out.append(Assumption(f"crossings.{detail['crossing']}", detail["crossing"], str(detail["crossing_source"])))
    tariffs = book.tariffs
    measures = [str(detail[k]) for k in detail if k.startswith("measure_") and detail[k]]
    for unknown in unknown_duties:
        out.append(
            Assumption(
                f"tariff.{unknown.layer}",
                0.0,
                f"unknown duty, counted as 0: {unknown.reason} (HTS {unknown.hs_dotted or '(none)'} from "
                f"{unknown.origin} into {unknown.importer})",
                unit="share of customs value",
            )
        )
    for measure in measures:
        row = tariffs.filter(pl.col("measure_id") == measure).row(0, named=True)
        verified = "" if row["verified"] else " [unverified]"
        out.append(
            Assumption(
                f"tariff.{measure}",
                row["rate_ad_valorem"],
                f"{row['source']}{verified}",
                str(row["source_date"]),
                unit="share of customs value",
            )
        )
    out.extend(entry_assumptions(detail, inputs, i))
    origin = "network" if not detail["originating"] else "network or origin engine"
    out.append(
        Assumption("usmca_originating", bool(detail["originating"]), "supply.usmca_originating / origin", origin=origin)
    )
    if np.isnan(inputs.disruption_per_unit[i]):
        tier = detail["tier"]
        row_src = book.risk_tiers.filter(pl.col("tier") == tier)
        src = str(row_src.get_column("source")[0]) if row_src.height else "no trust tier for the country: 0"
        date = str(row_src.get_column("source_date")[0]) if row_src.height else ""
        rate = float(inputs.disruption_rate[i])
        out.append(Assumption(f"risk_tiers.{tier}", rate, src, date, unit="share of price"))
    else:
        out.append(
            Assumption(
                "disruption_per_unit",
                float(inputs.disruption_per_unit[i]),
                "allyshore.resilience stress test: expected annual lost profit attributed to the site "
                "(and its share of its country's), per unit shipped",
                origin="stress test",
                unit="USD per unit",
            )
        )
    return out


def _projection(book: AssumptionBook, countries: list[str], inputs: CostInputs, years: int) -> FloatArray:
    """Total per unit of every option in years 0..years (discounted at the discount rate)."""
    table = {r["country"]: r for r in book.countries.iter_rows(named=True)}
    fallback = table.get("*", {"wage_inflation": 0, "other_inflation": 0, "fx_change_per_year": 0})

    def series(column: str) -> FloatArray:
        return np.asarray([float(table.get(c, fallback)[column] or 0.0) for c in countries], dtype=np.float64)

    n = inputs.size
    path = price_path(
        years,
        np.full(n, book.parameter("labour_share")),
        series("wage_inflation"),
        series("other_inflation"),
        series("fx_change_per_year"),
        np.full(n, book.parameter("local_currency_share")),
    )
    discount = (1.0 + book.parameter("discount_rate")) ** -np.arange(years + 1, dtype=np.float64)
    out = np.empty((n, years + 1))
    for year in range(years + 1):  # a handful of years, each one vectorised over options
        # goods on the same customs entries come from the same source: they follow the same price path
        moved = inputs.with_values(
            unit_price=inputs.unit_price * path[:, year],
            entry_value_others=inputs.entry_value_others * path[:, year],
            mpf_value_others=inputs.mpf_value_others * path[:, year],
        )
        factors = landed_cost(moved)
        out[:, year] = total_of(factors) * discount[year]
    return out


def _projection_assumptions(book: AssumptionBook, countries: set[str]) -> list[Assumption]:
    rows = {r["country"]: r for r in book.countries.iter_rows(named=True)}
    out = []
    for c in sorted(countries):
        row = rows.get(c) or rows.get("*")
        if row:
            values = {k: float(row[k] or 0) for k in ("wage_inflation", "other_inflation", "fx_change_per_year")}
            out.append(Assumption(f"countries.{c}", values, str(row["source"]), str(row["source_date"])))
    return out


def _options_for(network: Network, item: str, to_site: str | None) -> tuple[pl.DataFrame, str, float, FloatArray]:
    if item not in set(network.items.get_column("item_id").to_list()):
        raise NotFoundError(f"item '{item}' is not in the network (items: {', '.join(network.items['item_id'][:10])})")
    flows = _flow_options(network.flows).filter(pl.col("item_id") == item)
    per_flow, need = annual_flow_units(network)
    need = need.filter(pl.col("item_id") == item)
    if to_site is None:
        if flows.height == 0:
            raise InputError(f"item '{item}' has no flows: give --to SITE, the site that receives it")
        ranked = flows.join(need, on=["to_site", "item_id"], how="left").sort("need", descending=True, nulls_last=True)
        to_site = str(ranked.get_column("to_site")[0])
    elif to_site not in set(network.sites.get_column("site_id").to_list()):
        raise NotFoundError(f"site '{to_site}' is not in the network")
    flows = flows.filter(pl.col("to_site") == to_site)
    covered = set(flows.get_column("source_site").to_list())
    # Other supply rows are candidates; the site's own make of the item (a supply row at the site) is an option too.
    extra = network.supply.filter((pl.col("item_id") == item) & ~pl.col("site_id").is_in(list(covered))).select(
        pl.col("site_id").alias("source_site"),
        pl.lit(to_site).alias("to_site"),
        "item_id",
        pl.when(pl.col("site_id") == to_site)
        .then(pl.col("status").fill_null("active"))
        .otherwise(pl.lit("candidate"))
        .alias("status"),
        pl.lit(None, dtype=pl.String).alias("mode"),
        # made where it is used: no transport
        pl.when(pl.col("site_id") == to_site).then(0.0).otherwise(None).cast(pl.Float64).alias("transit_days"),
        pl.when(pl.col("site_id") == to_site).then(0.0).otherwise(None).cast(pl.Float64).alias("freight_per_unit"),
        pl.lit(None, dtype=pl.String).alias("crossing"),
        pl.lit(-1, dtype=pl.Int64).alias("flow_row"),
    )
    options = pl.concat([flows.select(OPTION_COLUMNS), extra.select(OPTION_COLUMNS)], how="vertical")
    if options.height == 0:
        raise InputError(f"item '{item}' has no source for site '{to_site}' (no flow and no other supply row)")
    found = need.filter(pl.col("to_site") == to_site).get_column("need")
    annual = float(found[0]) if found.len() and float(found[0]) > 0 else 52.0
    return options, to_site, annual, per_flow


def _build_with_lane_partners(
    network: Network,
    options: pl.DataFrame,
    annual: float,
    per_flow: FloatArray,
    book: AssumptionBook,
    when: dt.date,
    given: Mapping[tuple[str, str], bool] | None,
    disruption: FloatArray | None = None,
    tiers: Mapping[str, str] | None = None,
) -> OptionInputs:
    """Kernel inputs of the options of one item, each priced for ``annual`` units, whose customs entries
    are shared with the active flows of other items on the same lane (:mod:`allyshore.cost.entries`)."""
    n = options.height
    item, site = str(options.get_column("item_id")[0]), str(options.get_column("to_site")[0])
    sources = options.get_column("source_site").unique().to_list()
    partners = lane_partner_options(_flow_options(network.flows), item, site, sources).select(OPTION_COLUMNS)
    rows = pl.concat([options.select(OPTION_COLUMNS), partners], how="vertical")
    units = np.concatenate([np.full(n, annual), per_flow[partners.get_column("flow_row").to_numpy()]])
    if disruption is not None:
        disruption = np.concatenate([disruption, np.full(partners.height, np.nan)])
    built = build_inputs(network, rows, np.maximum(units, 1e-9), book, when, given, disruption, tiers)
    if partners.height == 0:
        return built
    return OptionInputs(
        inputs=built.inputs.take(np.arange(n)),
        detail=built.detail.head(n),
        duties=None if built.duties is None else built.duties.head(n),
    )


def compare_sources(
    network: Network,
    item: str,
    to_site: str | None = None,
    *,
    as_of: AsOf = None,
    policy: PolicySource = None,
    assumptions: Assumptions = None,
    originating: Mapping[tuple[str, str], bool] | None = None,
    disruption_per_unit: Mapping[str, float] | SimulationResult | None = None,
    simulated_years: int = 0,
    years: int | None = None,
    use_origin_engine: bool = True,
    strict_duties: bool = False,
) -> CostComparison:
    """Every active and candidate source of ``item`` into ``to_site``, ranked by total landed cost per unit.

    Each option is priced for the receiving site's full annual need of the item (so
    options compare like for like). ``originating`` gives USMCA origin per
    (source site, item) (default: the origin engine :mod:`allyshore.origin` decides the
    goods made in the network, purchased inputs follow ``supplier_certifies_origin``
    or ``usmca_originating``); ``disruption_per_unit`` gives the expected disruption
    cost per unit per source site, or is a Monte Carlo result of
    :func:`allyshore.simulate` (see :func:`disruption_from_monte_carlo`);
    ``simulated_years`` runs that Monte Carlo here, over this many simulated years
    (in this process). Sources without a figure take the country-risk default of
    their trust tier under ``policy`` (a trust policy or its TOML file; the shipped
    US policy by default).

    Duties the tariff tables cannot give are counted as 0 and listed (``unknown_duties`` of each
    option and of the result); ``strict_duties`` makes them an error.

    Raises
    ------
    NotFoundError
        The item or the site is not in the network.
    InputError
        The item has no source for the site, or ``as_of`` is not a date.
    UnknownDutyError
        ``strict_duties`` is set and a duty cannot be determined.
    """
    book = _book(assumptions)
    when = as_date(as_of)
    options, site, annual, per_flow = _options_for(network, item, to_site)
    tiers, policy_notes = _tiers(policy)
    if simulated_years and disruption_per_unit is None:
        from allyshore.resilience.montecarlo import simulate

        disruption_per_unit = simulate(network, runs=simulated_years, scheduler="synchronous")
    per_site: Mapping[str, float] | None
    if disruption_per_unit is not None and not isinstance(disruption_per_unit, Mapping):
        per_site = disruption_from_monte_carlo(network, disruption_per_unit)
    else:
        per_site = disruption_per_unit
    disruption = None
    if per_site:
        disruption = np.asarray(
            [per_site.get(s, np.nan) for s in options.get_column("source_site").to_list()], dtype=np.float64
        )
    given, notes = _origin(network, when, originating, use_origin_engine)
    built = _build_with_lane_partners(network, options, annual, per_flow, book, when, given, disruption, tiers)
    result = _comparison(built, book, when, item, site, years, (*notes, *policy_notes))
    check_strict(result.unknown_duties, strict_duties, f"costing of {item} into {site}")
    return result


def option_labels(detail: pl.DataFrame) -> list[str]:
    """A unique label per option: the source site, with the lane (and a number) when a site has several."""
    sites = detail.get_column("source_site").to_list()
    lanes = detail.get_column("lane_type").cast(pl.String).to_list()
    labels = [s if sites.count(s) == 1 else f"{s} ({lane})" for s, lane in zip(sites, lanes, strict=True)]
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if labels.count(label) == 1 else f"{label} #{seen[label]}")
    return out


def _comparison(
    built: OptionInputs,
    book: AssumptionBook,
    when: dt.date,
    item: str,
    site: str,
    years: int | None,
    notes: tuple[Assumption, ...] = (),
) -> CostComparison:
    inputs, detail = built.inputs, built.detail
    factors = landed_cost(inputs)
    totals = total_of(factors)
    horizon = int(book.parameter("projection_years")) if years is None else int(years)
    countries = detail.get_column("country").fill_null("").to_list()
    projection = _projection(book, countries, inputs, horizon)
    labels = option_labels(detail)
    order = np.lexsort((np.asarray(labels, dtype=object), totals))
    records = detail.to_dicts()
    options = []
    for rank, i in enumerate(order, start=1):
        d = records[i]
        unknown = collect(built.duties, book.tariffs, when, options=[int(i)]) if built.duties else ()
        options.append(
            CostOption(
                source_site=str(d["source_site"]),
                to_site=str(d["to_site"]),
                item_id=str(d["item_id"]),
                country=str(d["country"] or ""),
                lane=str(d["lane_type"]),
                mode=str(d["mode_used"]),
                status=str(d["status"]),
                annual_units=float(inputs.annual_units[i]),
                per_unit={k: float(factors[k][i]) for k in FACTORS},
                total=float(totals[i]),
                projection=tuple(float(v) for v in projection[i]),
                assumptions=tuple(_option_assumptions(d, book, inputs, int(i), unknown)),
                rank=rank,
                flow_row=int(d["option"]) if d.get("option") is not None else -1,
                label=labels[i],
                unknown_duties=unknown,
            )
        )
    shared = (*_global_assumptions(book, when), *notes, *_projection_assumptions(book, set(countries)))
    return CostComparison(
        item_id=item, to_site=site, as_of=when.isoformat(), options=tuple(options), assumptions=shared, years=horizon
    )


def network_cost(
    network: Network,
    *,
    as_of: AsOf = None,
    policy: PolicySource = None,
    assumptions: Assumptions = None,
    originating: Mapping[tuple[str, str], bool] | None = None,
    use_origin_engine: bool = True,
    strict_duties: bool = False,
) -> NetworkCost:
    """Landed cost of the finished goods delivered, of every active flow, and current vs best source per item.

    Every flow row is costed in one vectorised pass: active flows at their annual
    units, candidate flows at the full need of their receiving site (to find the
    best all-candidate alternative of each item). The headline is
    :attr:`NetworkCost.finished_goods_per_year` (each demanded good at its landed cost
    rolled up through the BOM, delivered, times its annual units; see
    :mod:`allyshore.cost.figures`); :attr:`NetworkCost.sum_of_tiers_per_year` adds every
    flow's landed cost, counting a component again in what it goes into.
    Duties the tariff tables cannot give are counted as 0 and listed in ``unknown_duties``;
    ``strict_duties`` makes them an error (:class:`~allyshore.errors.UnknownDutyError`). The country-risk
    disruption default takes each country's trust tier under ``policy`` (default: the shipped US policy).
    """
    book = _book(assumptions)
    when = as_date(as_of)
    volumes = _volumes(network)
    per_flow, need = annual_flow_units(network, volumes)
    options = _flow_options(network.flows)
    active = (options.get_column("status") != "candidate").to_numpy()
    need_of = options.join(need, on=["to_site", "item_id"], how="left").get_column("need").fill_null(0.0).to_numpy()
    annual = np.where(active, per_flow, need_of)
    given, notes = _origin(network, when, originating, use_origin_engine)
    tiers, policy_notes = _tiers(policy)
    built = build_inputs(network, options, np.maximum(annual, 1e-9), book, when, given, tiers=tiers, brief=True)
    factors = landed_cost(built.inputs)
    totals = total_of(factors)
    frame = built.detail.select(
        pl.col("option").alias("flow_row"), "source_site", "to_site", "item_id", "status", "country", "lane_type"
    ).with_columns(
        pl.Series("annual_units", annual),
        pl.Series("total_per_unit", totals),
        *(pl.Series(k, factors[k]) for k in FACTORS),
    )
    frame = frame.with_columns(
        pl.when(pl.col("status") != "candidate")
        .then(pl.col("total_per_unit") * pl.col("annual_units"))
        .otherwise(0.0)
        .alias("total_per_year")
    )
    flows_out = frame.filter(pl.col("status") != "candidate")
    goods = finished_goods(network, totals - factors["price"], volumes)
    sourcing = _sourcing(frame)
    unknown = collect_table(built.duties, book.tariffs, when, by_site=False) if built.duties else None
    if strict_duties and unknown is not None and unknown.height:
        check_strict(as_records(unknown), strict_duties, "network costing")
    return NetworkCost(
        as_of=when.isoformat(),
        flows=flows_out,
        goods=goods,
        sourcing_table=sourcing,
        assumptions=(*_global_assumptions(book, when), *notes, *policy_notes),
        **({"unknown_table": unknown} if unknown is not None else {}),
    )


def _sourcing(frame: pl.DataFrame) -> pl.DataFrame:
    """Per (item, receiving site) with active flows: current landed cost per unit vs the cheapest of all its flows."""
    schema: dict[str, Any] = {
        "item_id": pl.String,
        "to_site": pl.String,
        "annual_units": pl.Float64,
        "current_per_unit": pl.Float64,
        "current_sources": pl.List(pl.String),
        "best_source": pl.String,
        "best_per_unit": pl.Float64,
    }
    if frame.height == 0:
        return pl.DataFrame(schema=schema)
    act = frame.filter(pl.col("status") != "candidate")
    current = act.group_by("to_site", "item_id").agg(
        (pl.col("total_per_unit") * pl.col("annual_units")).sum().alias("cost"),
        pl.col("annual_units").sum().alias("annual_units"),
        pl.col("source_site").unique().sort().alias("current_sources"),
    )
    best = (
        frame.sort("total_per_unit", "source_site")
        .group_by("to_site", "item_id", maintain_order=True)
        .first()
        .select(
            "to_site",
            "item_id",
            pl.col("source_site").alias("best_source"),
            pl.col("total_per_unit").alias("best_per_unit"),
        )
    )
    return (
        current.join(best, on=["to_site", "item_id"], how="left")
        .with_columns(
            pl.when(pl.col("annual_units") > 0)
            .then(pl.col("cost") / pl.col("annual_units"))
            .otherwise(0.0)
            .alias("current_per_unit")
        )
        .select(list(schema))
        .sort("item_id", "to_site")
    )


#: Documented swing ranges of the tornado: (low, high, how applied, why).
SWINGS: dict[str, tuple[float, float, str, str]] = {
    "unit_price": (0.9, 1.1, "x", "quotes and transfer prices +/-10%"),
    "freight": (0.5, 2.0, "x", "container spot rates: Drewry WCI Shanghai-LA USD 2,726 (Apr 2025) vs 10,621 (2021)"),
    "tariff_rate": (0.5, 0.25, "+", "all duty rates halved / an extra 25-point layer (a Section 301 list rate)"),
    "transit_days": (0.75, 1.5, "x", "lane transit -25% / +50% (port congestion, border peaks)"),
    "carrying_rate": (0.15, 0.35, "=", "carrying rate 15%-35% a year around the 20-30% common range"),
    "service_level": (0.9, 0.99, "=", "cycle service level 90%-99%"),
    "demand_cv": (0.1, 0.5, "=", "weekly demand variability, coefficient of variation 0.1-0.5"),
    "disruption": (0.0, 2.0, "x", "disruption expected cost: none / double the estimate"),
    "fx_rate": (0.85, 1.15, "x", "a 15% move of the local currency, on the share of the price fixed in it"),
}


def _swung(
    inputs: CostInputs, factor: str, value: float, how: str, local_share: FloatArray | None = None
) -> CostInputs:
    if factor == "unit_price":
        return inputs.with_values(unit_price=inputs.unit_price * value)
    if factor == "freight":
        return inputs.with_values(freight=inputs.freight * value)
    if factor == "tariff_rate":
        if how == "+":
            return inputs.with_values(rate_additional=inputs.rate_additional + value)
        return inputs.with_values(
            rate_mfn=inputs.rate_mfn * value,
            rate_301=inputs.rate_301 * value,
            rate_additional=inputs.rate_additional * value,
            rate_igi=inputs.rate_igi * value,
        )
    if factor == "transit_days":
        return inputs.with_values(transit_days=inputs.transit_days * value)
    if factor == "disruption":
        return inputs.with_values(
            disruption_rate=inputs.disruption_rate * value, disruption_per_unit=inputs.disruption_per_unit * value
        )
    if factor == "fx_rate":  # only the share of the price fixed in the local currency moves
        share = local_share if local_share is not None else np.zeros(inputs.size)
        return inputs.with_values(fx_rate=inputs.fx_rate * (1.0 + share * (value - 1.0)))
    return inputs.with_values(**{factor: value})


def sensitivity(
    network: Network,
    item: str,
    to_site: str | None = None,
    *,
    as_of: AsOf = None,
    policy: PolicySource = None,
    assumptions: Assumptions = None,
    originating: Mapping[tuple[str, str], bool] | None = None,
    use_origin_engine: bool = True,
    strict_duties: bool = False,
) -> Sensitivity:
    """Tornado data (each factor of :data:`SWINGS` at its low and high end) and break-even values.

    Break-evens are computed against the leading option: the extra tariff rate on
    it, the multiplier on its freight, and the wage inflation of its country (over
    the projection horizon) at which each challenger costs the same. ``policy`` is the trust policy of the
    country-risk default, as for :func:`compare_sources`.
    """
    book = _book(assumptions)
    when = as_date(as_of)
    options, site, annual, per_flow = _options_for(network, item, to_site)
    given, notes = _origin(network, when, originating, use_origin_engine)
    tiers, policy_notes = _tiers(policy)
    built = _build_with_lane_partners(network, options, annual, per_flow, book, when, given, tiers=tiers)
    comparison = _comparison(built, book, when, item, site, None, (*notes, *policy_notes))
    check_strict(comparison.unknown_duties, strict_duties, f"costing of {item} into {site}")
    inputs = built.inputs
    sites = option_labels(built.detail)
    local = np.where(
        built.detail.get_column("price_source").cast(pl.String).str.starts_with("supply price_local").to_numpy(),
        1.0,
        book.parameter("local_currency_share"),
    )
    swings = []
    for factor, (low, high, how, why) in SWINGS.items():
        lo_inputs = _swung(inputs, factor, low, "x" if how == "+" else how, local)
        hi_inputs = _swung(inputs, factor, high, how, local)
        lo = total_of(landed_cost(lo_inputs))
        hi = total_of(landed_cost(hi_inputs))
        labels = f"+{high:g}" if how == "+" else f"x{high:g}" if how == "x" else f"{high:g}"
        swings.append(
            Swing(
                factor=factor,
                low_label=f"x{low:g}" if how in ("x", "+") else f"{low:g}",
                high_label=labels,
                rationale=why,
                low=dict(zip(sites, lo.tolist(), strict=True)),
                high=dict(zip(sites, hi.tolist(), strict=True)),
            )
        )
    leader = comparison.best.label
    swings.sort(key=lambda s: -abs(s.high[leader] - s.low[leader]))
    return Sensitivity(comparison=comparison, swings=tuple(swings), break_evens=_break_evens(built, book, comparison))


def _break_evens(built: OptionInputs, book: AssumptionBook, comparison: CostComparison) -> tuple[BreakEven, ...]:
    if len(comparison.options) < 2:
        return ()
    inputs = built.inputs
    sites = option_labels(built.detail)
    lead = sites.index(comparison.best.label)
    one = inputs.take(np.asarray([lead]))
    base = float(total_of(landed_cost(one))[0])
    out: list[BreakEven] = []
    countries = built.detail.get_column("country").fill_null("").to_list()
    horizon = comparison.years
    proj = _projection(book, countries, inputs, horizon)[:, -1]
    for other in comparison.options[1:]:
        j = sites.index(other.label)
        gap = other.total - base
        # Tariff: an extra ad valorem layer on the leader's customs value (cost is linear in it).
        extra = float(total_of(landed_cost(one.with_values(rate_additional=one.rate_additional + 1.0)))[0]) - base
        tariff = gap / extra if extra > 0 else None
        out.append(
            BreakEven(
                "tariff_rate",
                comparison.best.label,
                other.label,
                0.0,
                tariff,
                "added ad valorem rate",
                "extra duty rate on the leader at which the challenger costs the same",
            )
        )
        # Freight: a multiplier on the leader's freight (cost is linear in it).
        slope = float(total_of(landed_cost(one.with_values(freight=one.freight * 2.0)))[0]) - base
        freight = 1.0 + gap / slope if slope > 0 else None
        out.append(
            BreakEven(
                "freight",
                comparison.best.label,
                other.label,
                1.0,
                freight,
                "x current freight",
                "multiple of the leader's freight at which the challenger costs the same",
            )
        )
        out.append(_wage_break_even(book, one, countries[lead], proj[j], comparison, other.label, horizon))
    return tuple(out)


def _wage_break_even(
    book: AssumptionBook,
    one: CostInputs,
    country: str,
    target: float,
    comparison: CostComparison,
    challenger: str,
    horizon: int,
) -> BreakEven:
    rows = {r["country"]: r for r in book.countries.iter_rows(named=True)}
    row = rows.get(country) or rows.get("*") or {}
    current = float(row.get("wage_inflation") or 0.0)

    def final_cost(w: float) -> float:
        path = price_path(
            horizon,
            np.asarray([book.parameter("labour_share")]),
            np.asarray([w]),
            np.asarray([float(row.get("other_inflation") or 0.0)]),
            np.asarray([float(row.get("fx_change_per_year") or 0.0)]),
            np.asarray([book.parameter("local_currency_share")]),
        )
        discount = (1.0 + book.parameter("discount_rate")) ** -horizon
        inputs = one.with_values(unit_price=one.unit_price * path[:, -1])
        return float(total_of(landed_cost(inputs))[0]) * discount

    low, high = -0.5, 2.0
    value: float | None = None
    if horizon > 0 and final_cost(low) <= target <= final_cost(high):
        for _ in range(60):  # bisection on a monotone function of one scalar
            mid = (low + high) / 2
            if final_cost(mid) < target:
                low = mid
            else:
                high = mid
        value = (low + high) / 2
    return BreakEven(
        "wage_inflation",
        comparison.best.label,
        challenger,
        current,
        value,
        "per year",
        f"wage inflation in {country or 'the leader country'} at which the challenger costs the same in year {horizon}",
    )
