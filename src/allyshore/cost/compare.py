"""Compare the sources of an item: every active and candidate source, each priced at landed cost, ranked.

Each option is priced by the kernel (:mod:`allyshore.cost.kernel`) for the receiving site's full annual need,
with its customs entries shared with the other items on its lane (:mod:`allyshore.cost.entries`), projected over
the years of the assumptions (:func:`projected_totals`) and listed with every assumption it used.

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
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from allyshore.conventions import AsOf, as_date
from allyshore.cost.assumptions import (
    Assumption,
    AssumptionBook,
    Assumptions,
    as_book,
    global_assumptions,
    policy_tiers,
)
from allyshore.cost.bridges import disruption_from_monte_carlo, origin_map
from allyshore.cost.entries import entry_assumptions, lane_partner_options
from allyshore.cost.kernel import FACTORS, CostInputs, FloatArray, landed_cost, price_path, total_of
from allyshore.cost.options import OPTION_COLUMNS, OptionInputs, build_inputs
from allyshore.cost.results import CostComparison, CostOption
from allyshore.cost.unknown import UnknownDuty, check_strict, collect
from allyshore.cost.volumes import annual_flow_units, flow_options
from allyshore.errors import InputError, NotFoundError
from allyshore.model.network import Network

if TYPE_CHECKING:
    from allyshore.resilience.results import SimulationResult
    from allyshore.trust.policy import PolicySource


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
    book = as_book(assumptions)
    when = as_date(as_of)
    options, site, annual, per_flow = options_for(network, item, to_site)
    tiers, policy_notes = policy_tiers(policy)
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
    given, notes = origin_map(network, when, originating, use_origin_engine)
    built = build_with_lane_partners(network, options, annual, per_flow, book, when, given, disruption, tiers)
    result = comparison_of(built, book, when, item, site, years, (*notes, *policy_notes))
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


def options_for(network: Network, item: str, to_site: str | None) -> tuple[pl.DataFrame, str, float, FloatArray]:
    if item not in set(network.items.get_column("item_id").to_list()):
        raise NotFoundError(f"item '{item}' is not in the network (items: {', '.join(network.items['item_id'][:10])})")
    flows = flow_options(network.flows).filter(pl.col("item_id") == item)
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


def build_with_lane_partners(
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
    partners = lane_partner_options(flow_options(network.flows), item, site, sources).select(OPTION_COLUMNS)
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


def comparison_of(
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
    projection = projected_totals(book, countries, inputs, horizon)
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
    shared = (*global_assumptions(book, when), *notes, *_projection_assumptions(book, set(countries)))
    return CostComparison(
        item_id=item, to_site=site, as_of=when.isoformat(), options=tuple(options), assumptions=shared, years=horizon
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


def projected_totals(book: AssumptionBook, countries: list[str], inputs: CostInputs, years: int) -> FloatArray:
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
