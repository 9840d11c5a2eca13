"""Sourcing options of a network turned into the kernel's input arrays, with where each input came from.

An *option* is one item shipped from a source site to a receiving site by a lane:
a row of ``flows`` (active or candidate), or a candidate ``supply`` row with no
flow to the receiving site (then the lane is inferred from the two countries and
priced with the default lane tables).

Optional columns the network may carry (the format keeps extra columns):

* ``supply``: ``price_local`` and ``fx_rate`` (USD per unit of ``currency``; price = price_local · fx_rate),
  ``currency``, ``packaging_per_unit``, ``origin_country`` (country of origin when it differs from the
  site's), ``usmca_originating`` (true/false) or the origin engine's ``supplier_certifies_origin``
  (goods made at a plant of the network are decided by :mod:`allyshore.origin` when it can);
* ``flows``: ``shipments_per_year``, ``packaging_per_unit``.

Everything else comes from the assumption book (:mod:`allyshore.cost.assumptions`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import polars as pl
from numpy.typing import NDArray

from allyshore.cost.assumptions import AssumptionBook
from allyshore.cost.kernel import CostInputs, FloatArray
from allyshore.cost.tariffs import duty_rates, mpf_limits
from allyshore.model.network import Network

USMCA = ("US", "MX", "CA")
ASIA = frozenset(
    [
        "CN",
        "HK",
        "TW",
        "JP",
        "KR",
        "VN",
        "TH",
        "MY",
        "ID",
        "PH",
        "SG",
        "IN",
        "BD",
        "KH",
        "LK",
        "PK",
        "MM",
        "LA",
        "MO",
        "MN",
    ]  # ocean lanes to the US from Asia
)
OPTION_COLUMNS = (
    "source_site",
    "to_site",
    "item_id",
    "status",
    "mode",
    "transit_days",
    "freight_per_unit",
    "crossing",
    "flow_row",
)


@dataclass(frozen=True, eq=False)
class OptionInputs:
    """The kernel inputs of a set of options and a frame describing each (countries, lane, sources of inputs)."""

    inputs: CostInputs
    detail: pl.DataFrame  # one row per option, in the same order


def _extra_float(frame: pl.DataFrame, column: str) -> pl.Expr:
    if column in frame.columns:
        return pl.col(column).cast(pl.Float64, strict=False)
    return pl.lit(None, dtype=pl.Float64)


def _extra_text(frame: pl.DataFrame, column: str) -> pl.Expr:
    if column in frame.columns:
        return pl.col(column).cast(pl.String)
    return pl.lit(None, dtype=pl.String)


def _haversine_miles(lat1: pl.Expr, lon1: pl.Expr, lat2: pl.Expr, lon2: pl.Expr) -> pl.Expr:
    rad = np.pi / 180.0
    a = ((lat2 - lat1) * rad / 2).sin() ** 2 + (lat1 * rad).cos() * (lat2 * rad).cos() * (
        (lon2 - lon1) * rad / 2
    ).sin() ** 2
    return 2 * 3958.8 * a.sqrt().arcsin()


def exports_by_site(network: Network) -> pl.DataFrame:
    """Per site: does it ship to another country (``exports``), and to the US or Canada (``exports_usmca``)?"""
    sites = network.sites.select("site_id", "country")
    flows = network.flows.select("from_site", "to_site")
    joined = flows.join(sites.rename({"site_id": "from_site", "country": "c_from"}), on="from_site").join(
        sites.rename({"site_id": "to_site", "country": "c_to"}), on="to_site"
    )
    return (
        joined.filter(pl.col("c_from") != pl.col("c_to"))
        .group_by("from_site")
        .agg(
            pl.lit(True).alias("exports"),
            pl.col("c_to").is_in(["US", "CA"]).any().alias("exports_usmca"),
        )
        .rename({"from_site": "to_site"})
    )


def build_inputs(
    network: Network,
    options: pl.DataFrame,
    annual_units: FloatArray,
    book: AssumptionBook,
    as_of: dt.date,
    originating: Mapping[tuple[str, str], bool] | None = None,
    disruption_per_unit: FloatArray | None = None,
    tiers: Mapping[str, str] | None = None,
) -> OptionInputs:
    """Kernel inputs for ``options`` (columns :data:`OPTION_COLUMNS`), vectorised over rows."""
    n = options.height
    sites = network.sites
    supply = network.supply
    src = sites.select(
        pl.col("site_id").alias("source_site"),
        pl.col("country").alias("country"),
        pl.col("lat").alias("lat_from"),
        pl.col("lon").alias("lon_from"),
    )
    dst = sites.select(
        pl.col("site_id").alias("to_site"),
        pl.col("country").alias("importer"),
        pl.col("lat").alias("lat_to"),
        pl.col("lon").alias("lon_to"),
    )
    sup = supply.select(
        pl.col("site_id").alias("source_site"),
        "item_id",
        pl.col("unit_price").alias("supply_price"),
        pl.col("lead_time_days").alias("supplier_lead_days"),
        _extra_float(supply, "price_local").alias("price_local"),
        _extra_float(supply, "fx_rate").alias("fx_rate"),
        _extra_text(supply, "currency").alias("currency"),
        _extra_float(supply, "packaging_per_unit").alias("packaging_supply"),
        _extra_text(supply, "origin_country").alias("origin_country"),
        _extra_text(supply, "usmca_originating").alias("originating_column"),
        _extra_text(supply, "supplier_certifies_origin").alias("certified_column"),
    ).unique(subset=["source_site", "item_id"], keep="first")
    items = network.items.select(
        "item_id", pl.col("hs_code"), pl.col("weight_kg"), pl.col("unit_cost").alias("item_cost")
    )
    flows = network.flows
    flow_extra = flows.with_row_index("flow_row").select(
        pl.col("flow_row").cast(pl.Int64),
        _extra_float(flows, "shipments_per_year").alias("flow_shipments"),
        _extra_float(flows, "packaging_per_unit").alias("packaging_flow"),
    )
    frame = (
        options.with_row_index("option")
        .join(src, on="source_site", how="left")
        .join(dst, on="to_site", how="left")
        .join(sup, on=["source_site", "item_id"], how="left")
        .join(items, on="item_id", how="left")
        .join(flow_extra, on="flow_row", how="left")
        .join(exports_by_site(network), on="to_site", how="left")
        .sort("option")
    )
    country = pl.col("country").fill_null("")
    importer = pl.col("importer").fill_null("")
    frame = frame.with_columns(
        (country != importer).alias("crosses"),
        pl.coalesce(pl.col("origin_country"), country).str.to_uppercase().alias("origin"),
        pl.col("exports").fill_null(False),
        pl.col("exports_usmca").fill_null(False),
        pl.coalesce(
            pl.col("mode"),
            pl.when(country == importer)
            .then(pl.lit("truck"))
            .when(country.is_in(USMCA) & importer.is_in(USMCA))
            .then(pl.lit("truck"))
            .otherwise(pl.lit("ocean")),
        ).alias("mode_used"),
    )
    frame = frame.with_columns(
        pl.when(pl.col("mode_used") == "ocean")
        .then(
            pl.when(country.is_in(list(ASIA)))
            .then(
                pl.when(pl.col("lon_to").fill_null(-118.0) >= -85.0)
                .then(pl.lit("ocean_asia_us_east"))
                .otherwise(pl.lit("ocean_asia_us_west"))
            )
            .otherwise(pl.lit("ocean_other"))
        )
        .when(pl.col("mode_used") == "truck")
        .then(pl.when(pl.col("crosses")).then(pl.lit("truck_mx_us")).otherwise(pl.lit("truck_domestic")))
        .when(pl.col("mode_used") == "rail")
        .then(pl.lit("rail_mx_us"))
        .otherwise(pl.lit("air"))
        .alias("lane_type")
    )
    lanes = book.lanes.select(
        "lane_type",
        pl.col("transit_days").cast(pl.Float64, strict=False).alias("lane_transit"),
        pl.col("transit_sd_days").cast(pl.Float64, strict=False).alias("lane_transit_sd"),
        pl.col("freight_basis").alias("lane_basis"),
        pl.col("freight_rate_usd").cast(pl.Float64, strict=False).alias("lane_rate"),
        pl.col("payload_kg").cast(pl.Float64, strict=False).alias("lane_payload"),
        pl.col("shipments_per_year").cast(pl.Float64, strict=False).alias("lane_shipments"),
        pl.col("border_hours").cast(pl.Float64, strict=False).alias("lane_border_hours"),
        pl.col("source").alias("lane_source"),
        pl.col("source_date").alias("lane_date"),
    )
    crossings = book.crossings.select(
        pl.col("crossing"),
        pl.col("border_hours").cast(pl.Float64, strict=False).alias("crossing_hours"),
        pl.col("source").alias("crossing_source"),
    )
    frame = frame.join(lanes, on="lane_type", how="left").join(crossings, on="crossing", how="left").sort("option")
    p = book.parameter
    miles = _haversine_miles(pl.col("lat_from"), pl.col("lon_from"), pl.col("lat_to"), pl.col("lon_to")) * p(
        "road_circuity"
    )
    border_hours = pl.when(pl.col("crosses")).then(
        pl.coalesce(pl.col("crossing_hours"), pl.col("lane_border_hours"), pl.lit(0.0))
    )
    truck_days = p("truck_sourcing_days") + miles / p("truck_miles_per_day") + border_hours.otherwise(0.0) / 24.0
    frame = frame.with_columns(
        miles.alias("road_miles"),
        pl.when(pl.col("transit_days").is_not_null())
        .then(pl.col("transit_days"))
        .when((pl.col("mode_used") == "truck") & miles.is_not_null())
        .then(truck_days)
        .otherwise(pl.col("lane_transit"))
        .alias("transit_used"),
        pl.when(pl.col("transit_days").is_not_null())
        .then(pl.lit("network"))
        .when((pl.col("mode_used") == "truck") & miles.is_not_null())
        .then(pl.lit("distance"))
        .when(pl.col("lane_transit").is_not_null())
        .then(pl.lit("lane default"))
        .otherwise(pl.lit("missing"))
        .alias("transit_source"),
    )
    weight = pl.col("weight_kg")
    lane_freight = (
        pl.when(pl.col("lane_basis") == "per_container")
        .then(pl.col("lane_rate") * weight / pl.col("lane_payload"))
        .when(pl.col("lane_basis") == "per_mile")
        .then(pl.col("lane_rate") * pl.col("road_miles") * weight / pl.col("lane_payload"))
        .otherwise(None)
    )
    frame = frame.with_columns(
        pl.coalesce(pl.col("freight_per_unit"), lane_freight).alias("freight_used"),
        pl.when(pl.col("freight_per_unit").is_not_null())
        .then(pl.lit("network"))
        .when(lane_freight.is_not_null())
        .then(pl.lit("lane default"))
        .otherwise(pl.lit("missing"))
        .alias("freight_source"),
    )
    price_usd = pl.coalesce(pl.col("price_local") * pl.col("fx_rate"), pl.col("supply_price"), pl.col("item_cost"))
    frame = frame.with_columns(
        price_usd.alias("price_usd"),
        pl.when(pl.col("price_local").is_not_null() & pl.col("fx_rate").is_not_null())
        .then(pl.lit("supply price_local x fx_rate"))
        .when(pl.col("supply_price").is_not_null())
        .then(pl.lit("supply unit_price"))
        .when(pl.col("item_cost").is_not_null())
        .then(pl.lit("item unit_cost"))
        .otherwise(pl.lit("missing"))
        .alias("price_source"),
    )

    # Tariffs on the importer's side, by the good's origin.
    rates = duty_rates(
        book.tariffs,
        frame.get_column("hs_code"),
        frame.get_column("origin"),
        frame.get_column("importer").fill_null(""),
        as_of,
        book.layers,
    )
    crosses = frame.get_column("crosses").to_numpy().astype(bool)
    importer_arr = frame.get_column("importer").fill_null("").to_numpy().astype(str)
    origin_arr = frame.get_column("origin").fill_null("").to_numpy().astype(str)
    to_us = crosses & (importer_arr == "US")
    to_mx = crosses & (importer_arr == "MX")
    exports = frame.get_column("exports").to_numpy().astype(bool)
    exports_usmca = frame.get_column("exports_usmca").to_numpy().astype(bool)
    # LA 104-I: temporary imports are duty-free, except LA 63-A (goods exported to the US or Canada).
    igi_applies = to_mx & (exports_usmca | ~exports)
    layered = crosses & (~to_mx | igi_applies)  # additional layers follow the importer's own rows

    orig = _originating(frame, book, originating)
    orig &= np.isin(origin_arr, USMCA)

    def layer(name: str) -> tuple[FloatArray, FloatArray, NDArray[np.bool_]]:
        return rates.rate[name], rates.specific[name], rates.usmca_exempt[name]

    mfn_rate, mfn_spec, mfn_exempt = layer("mfn")
    s301_rate, s301_spec, _ = layer("section_301")
    add_rate = np.zeros(n)
    add_spec = np.zeros(n)
    for name in ("ieepa", "section_232", "additional"):
        r, s, e = layer(name)
        keep = ~(orig & e)
        add_rate += np.where(keep, r, 0.0)
        add_spec += np.where(keep, s, 0.0)
    zero = np.zeros(n)
    mpf = mpf_limits(book.mpf, as_of)
    shipments = (
        frame.select(pl.coalesce(pl.col("flow_shipments"), pl.col("lane_shipments"), pl.lit(12.0)))
        .to_series()
        .to_numpy()
    )
    annual = np.asarray(annual_units, dtype=np.float64)
    q = np.maximum(annual / np.maximum(shipments, 1e-9), 1.0)
    mode = frame.get_column("mode_used").to_numpy().astype(str)
    tier_of = tiers if tiers is not None else country_tiers(sorted(set(frame.get_column("country").fill_null(""))))
    risk = {r["tier"]: float(r["disruption_rate"]) for r in book.risk_tiers.iter_rows(named=True)}
    country_arr = frame.get_column("country").fill_null("").to_numpy().astype(str)
    disruption_rate = np.asarray([risk.get(tier_of.get(c, ""), 0.0) for c in np.unique(country_arr)])
    disruption_rate = disruption_rate[np.searchsorted(np.unique(country_arr), country_arr)] if n else zero
    packaging = (
        frame.select(pl.coalesce(pl.col("packaging_flow"), pl.col("packaging_supply"), pl.lit(0.0)))
        .to_series()
        .to_numpy()
    )

    def col(name: str, fill: float = 0.0) -> FloatArray:
        return frame.get_column(name).cast(pl.Float64).fill_null(fill).fill_nan(fill).to_numpy().astype(np.float64)

    def full(value: float) -> FloatArray:
        return np.full(n, value, dtype=np.float64)

    inputs = CostInputs(
        unit_price=col("price_usd"),
        fx_rate=full(1.0),
        packaging=packaging.astype(np.float64),
        freight=col("freight_used"),
        insurance_rate=full(p("insurance_rate")),
        dutiable=crosses,
        value_includes_freight=to_mx & (p("mx_value_includes_freight") > 0),
        originating=orig,
        rate_mfn=np.where(crosses & ~to_mx, mfn_rate, 0.0),
        specific_mfn=np.where(crosses & ~to_mx, mfn_spec, 0.0),
        exempt_mfn=mfn_exempt,
        rate_301=np.where(layered, s301_rate, 0.0),
        specific_301=np.where(layered, s301_spec, 0.0),
        rate_additional=np.where(layered, add_rate, 0.0),
        specific_additional=np.where(layered, add_spec, 0.0),
        exempt_additional=np.zeros(n, dtype=bool),
        rate_igi=np.where(igi_applies, mfn_rate, 0.0),
        specific_igi=np.where(igi_applies, mfn_spec, 0.0),
        exempt_igi=np.ones(n, dtype=bool),  # Decreto IMMEX art. 15-I: no IGI on FTA-originating inputs
        mpf_applies=to_us & ~(orig & (p("mpf_exempt_usmca") > 0)),
        mpf_rate=full(float(mpf["rate"])),
        mpf_min=full(float(mpf["minimum"])),
        mpf_max=full(float(mpf["maximum"])),
        hmf_applies=to_us & (mode == "ocean"),
        hmf_rate=full(p("hmf_rate")),
        broker_per_entry=np.where(crosses, p("broker_fee_per_entry"), 0.0),
        crossing_per_shipment=np.where(to_us & (mode == "truck"), p("truck_arrival_fee"), 0.0),
        shipment_units=q,
        annual_units=annual,
        transit_days=col("transit_used"),
        transit_sd_days=col("lane_transit_sd"),
        supplier_lead_days=col("supplier_lead_days"),
        prepaid=np.full(n, p("prepaid_in_transit") > 0),
        carrying_rate=full(p("carrying_rate")),
        service_level=full(p("service_level")),
        demand_cv=full(p("demand_cv")),
        travel_audit_rate=full(p("travel_audit_rate")),
        quality_rework_rate=full(p("quality_rework_rate")),
        ip_risk_rate=full(p("ip_risk_rate")),
        warranty_rate=full(p("warranty_rate")),
        disruption_rate=disruption_rate.astype(np.float64),
        disruption_per_unit=(
            np.full(n, np.nan) if disruption_per_unit is None else np.asarray(disruption_per_unit, dtype=np.float64)
        ),
        opportunity_rate_per_week=full(p("opportunity_rate_per_week")),
        strategic_rate=full(p("strategic_rate")),
    )
    detail = frame.select(
        "option",
        "source_site",
        "to_site",
        "item_id",
        "status",
        "country",
        "importer",
        "origin",
        "hs_code",
        "lane_type",
        "mode_used",
        "crossing",
        "transit_source",
        "freight_source",
        "price_source",
        "currency",
        "lane_source",
        "lane_date",
        "crossing_source",
    ).with_columns(
        pl.Series("originating", orig),
        pl.Series("igi_applies", igi_applies),
        pl.Series("tier", [tier_of.get(c, "") for c in country_arr], dtype=pl.String),
        pl.Series("shipment_units", q),
        pl.Series("measures", _measure_lists(rates.measure, n), dtype=pl.List(pl.String)),
    )
    return OptionInputs(inputs=inputs, detail=detail.with_columns(pl.lit(mpf["fiscal_year"]).alias("mpf_year")))


def _measure_lists(measures: Mapping[str, NDArray[np.object_]], n: int) -> list[list[str]]:
    if n == 0:
        return []
    stacked = np.stack([measures[k] for k in measures], axis=1)
    return [[m for m in row if m] for row in stacked.tolist()]


def _originating(
    frame: pl.DataFrame, book: AssumptionBook, given: Mapping[tuple[str, str], bool] | None
) -> NDArray[np.bool_]:
    """USMCA-originating per option: the caller's (origin engine) answer, then the assumptions file, then the column."""
    yes = ["1", "1.0", "true", "yes", "y"]
    column = frame.select(
        pl.coalesce(pl.col("originating_column"), pl.col("certified_column"))
        .fill_null("")
        .str.strip_chars()
        .str.to_lowercase()
        .is_in(yes)
    ).to_series()
    keys = (frame.get_column("source_site") + "/" + frame.get_column("item_id")).to_list()
    out = column.to_numpy().astype(bool).copy()
    for mapping in (book.originating, {f"{s}/{i}": v for (s, i), v in (given or {}).items()}):
        if mapping:
            hits = np.asarray([mapping.get(k) for k in keys], dtype=object)
            known = hits != None  # noqa: E711 - elementwise on an object array
            out[known] = hits[known].astype(bool)
    return out


def country_tiers(countries: list[str]) -> dict[str, str]:
    """Trust tier per country under the default trust policy (for the country-risk disruption default)."""
    codes = [c for c in countries if c]
    if not codes:
        return {}
    from allyshore.trust import assess_countries

    table = assess_countries(None, codes)
    return {entry.alpha2: str(entry.tier) for entry in table}
