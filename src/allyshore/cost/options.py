"""Sourcing options of a network turned into the kernel's input arrays, with where each input came from.

An *option* is one item shipped from a source site to a receiving site by a lane:
a row of ``flows`` (active or candidate), or a candidate ``supply`` row with no
flow to the receiving site (then the lane is inferred from the two countries and
priced with the default lane tables).

Optional columns the network may carry, declared in :mod:`allyshore.model.schema` with
``used_by`` :data:`~allyshore.model.schema.LANDED_COST` (so reading types and checks them, and a
network that leaves them out has them blank; ``analysis_columns(LANDED_COST)`` lists them):

* ``supply``: ``price_local`` and ``fx_rate`` (USD per unit of ``currency``; price = price_local · fx_rate),
  ``currency``, ``packaging_per_unit``, ``origin_country`` (country of origin when it differs from the
  site's), ``usmca_originating`` (true/false) or the origin engine's ``supplier_certifies_origin``
  (goods made at a plant of the network are decided by :mod:`allyshore.origin` when it can);
* ``flows``: ``shipments_per_year``, ``packaging_per_unit``, and freight on another basis when
  ``freight_per_unit`` is blank: ``freight_per_kg`` (times the item's ``weight_kg``) or
  ``freight_per_container`` with ``units_per_container``; ``other_goods_value_per_shipment``
  (goods on the same customs entries that are not flows of the network, see :mod:`allyshore.cost.entries`).
* ``items``: ``metal_content_share`` (share of the customs value that is steel, aluminium or copper: a
  tariff measure on the metal content needs it, else that duty is unknown).

Everything else comes from the assumption book (:mod:`allyshore.cost.assumptions`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from allyshore.cost.assumptions import LAYERS, AssumptionBook
from allyshore.cost.entries import consolidate_entries, lane_ids, lane_partners
from allyshore.cost.kernel import CostInputs, FloatArray
from allyshore.cost.tariffs import DutyRates, duty_rates, item_duties, mpf_limits
from allyshore.countries import USMCA_PARTIES as USMCA
from allyshore.geography import great_circle_miles
from allyshore.model.network import Network
from allyshore.model.schema import MODES, TRUE_WORDS

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
class DutyTrace:
    """What the duties of a set of options rest on: the rates per distinct tariff key and, per option, its key
    and an :data:`~allyshore.cost.tariffs.UNKNOWN` code per layer (0 where known or not due)."""

    rates: DutyRates  # per distinct (HTS line, origin, importer, originating) key
    key_hts: list[str]
    key_origin: list[str]
    key_importer: list[str]
    key_of: NDArray[np.int64]  # per option
    unknown: Mapping[str, NDArray[np.int8]]  # per option and layer
    source_site: pl.Series
    to_site: pl.Series
    item_id: pl.Series

    def head(self, n: int) -> DutyTrace:
        """The trace of the first ``n`` options (the rates per key are kept whole)."""
        return replace(
            self,
            key_of=self.key_of[:n],
            unknown={layer: codes[:n] for layer, codes in self.unknown.items()},
            source_site=self.source_site.head(n),
            to_site=self.to_site.head(n),
            item_id=self.item_id.head(n),
        )


@dataclass(frozen=True, eq=False)
class OptionInputs:
    """The kernel inputs of a set of options and a frame describing each (countries, lane, sources of inputs)."""

    inputs: CostInputs
    detail: pl.DataFrame  # one row per option, in the same order
    duties: DutyTrace | None = None


def _codes(values: pl.Series, vocabulary: list[str]) -> NDArray[np.int64]:
    """Integer code of each value in ``vocabulary`` (unique strings); -1 when absent or null."""
    if not vocabulary:
        return np.full(values.len(), -1, dtype=np.int64)
    if len(vocabulary) > 20_000:  # a hash join beats an Enum cast on large vocabularies (site and item ids)
        lookup = pl.DataFrame(
            {"v": pl.Series(vocabulary, dtype=pl.String), "code": np.arange(len(vocabulary), dtype=np.int64)}
        ).unique("v", keep="first")
        joined = pl.DataFrame({"v": values.cast(pl.String)}).join(lookup, on="v", how="left", maintain_order="left")
        return joined.get_column("code").fill_null(-1).to_numpy().astype(np.int64)
    physical = values.cast(pl.String).cast(pl.Enum(vocabulary), strict=False).to_physical()
    return physical.cast(pl.Int64).fill_null(-1).to_numpy().astype(np.int64)


def _floats(frame: pl.DataFrame, column: str) -> FloatArray:
    if column not in frame.columns:
        return np.full(frame.height, np.nan)
    values = frame.get_column(column).cast(pl.Float64, strict=False).fill_null(np.nan)
    return values.to_numpy().astype(np.float64)


def _texts(frame: pl.DataFrame, column: str) -> pl.Series:
    if column not in frame.columns:
        return pl.Series(column, [None] * frame.height, dtype=pl.String)
    return frame.get_column(column).cast(pl.String)


def _pick(values: NDArray[Any], index: NDArray[np.int64], fill: Any) -> NDArray[Any]:
    """``values[index]`` with ``fill`` where ``index`` is -1 (one gather: -1 reads the appended fill)."""
    dtype = values.dtype if values.size else np.asarray(fill).dtype
    extended = np.append(values.astype(dtype, copy=False), np.asarray(fill, dtype=dtype))
    picked: NDArray[Any] = extended[index]
    return picked


LANE_TYPES = (
    "ocean_asia_us_west",
    "ocean_asia_us_east",
    "ocean_other",
    "truck_mx_us",
    "truck_domestic",
    "rail_mx_us",
    "air",
)
INPUT_SOURCES = ("network", "distance", "lane default", "missing")
PRICE_SOURCES = ("supply price_local x fx_rate", "supply unit_price", "item unit_cost", "missing")


def _currency(supply: pl.DataFrame, row: NDArray[np.int64]) -> list[str | None]:
    values = np.asarray([*_texts(supply, "currency").to_list(), None], dtype=object)
    return list(values[row])


def _yes(values: pl.Series) -> NDArray[np.bool_]:
    return values.fill_null("").str.strip_chars().str.to_lowercase().is_in(TRUE_WORDS).to_numpy().astype(bool)


def build_inputs(
    network: Network,
    options: pl.DataFrame,
    annual_units: FloatArray,
    book: AssumptionBook,
    as_of: dt.date,
    originating: Mapping[tuple[str, str], bool] | None = None,
    disruption_per_unit: FloatArray | None = None,
    tiers: Mapping[str, str] | None = None,
    brief: bool = False,
) -> OptionInputs:
    """Kernel inputs for ``options`` (columns :data:`OPTION_COLUMNS`), vectorised over rows.

    ``brief`` keeps only the identity, country and lane of each option in ``detail`` (what a
    network-wide costing needs); the full detail adds where every input came from.

    Sites, items and supply rows are looked up by integer codes (numpy indexing), tariffs
    once per distinct (HTS line, origin, importer), lanes and crossings from their small tables.
    """
    n = options.height
    sites, items, supply, flows = network.sites, network.items, network.supply, network.flows
    site_ids = sites.get_column("site_id").to_list()
    item_ids = items.get_column("item_id").to_list()
    n_items = max(len(item_ids), 1)
    flow_row = options.get_column("flow_row").fill_null(-1).to_numpy().astype(np.int64)
    f_from = _codes(flows.get_column("from_site"), site_ids)
    f_to = _codes(flows.get_column("to_site"), site_ids)
    f_item = _codes(flows.get_column("item_id"), item_ids)
    on_flow = flow_row >= 0
    src, dst, item = (_pick(codes, flow_row, -1) for codes in (f_from, f_to, f_item))
    if not on_flow.all():  # options without a flow row (candidate supply): code them directly
        rest = pl.Series(~on_flow)
        src[~on_flow] = _codes(options.get_column("source_site").filter(rest), site_ids)
        dst[~on_flow] = _codes(options.get_column("to_site").filter(rest), site_ids)
        item[~on_flow] = _codes(options.get_column("item_id").filter(rest), item_ids)

    # Countries as small integer codes.
    site_country_text = sites.get_column("country").fill_null("")
    origin_column = _texts(supply, "origin_country").str.to_uppercase()
    vocabulary = sorted(set(site_country_text.to_list()) | set(origin_column.drop_nulls().to_list()) | {""})
    site_country = _codes(site_country_text, vocabulary)
    countries = np.asarray(vocabulary, dtype=object)
    country = _pick(site_country, src, vocabulary.index(""))
    importer = _pick(site_country, dst, vocabulary.index(""))
    crosses = country != importer
    code_of = {c: i for i, c in enumerate(vocabulary)}
    is_us = importer == code_of.get("US", -2)
    to_us = crosses & is_us
    to_mx = crosses & (importer == code_of.get("MX", -2))
    asia = np.isin(np.arange(len(vocabulary)), [code_of[c] for c in ASIA if c in code_of])
    usmca = np.isin(np.arange(len(vocabulary)), [code_of[c] for c in USMCA if c in code_of])
    lat, lon = _floats(sites, "lat"), _floats(sites, "lon")

    # Supply rows by (site, item) key; the first row of a duplicated key wins.
    supply_key = _codes(supply.get_column("site_id"), site_ids) * n_items + _codes(
        supply.get_column("item_id"), item_ids
    )
    keys, first = np.unique(supply_key, return_index=True)
    lookup = pl.DataFrame({"key": keys, "row": first.astype(np.int64)})
    option_key = np.where((src >= 0) & (item >= 0), src * n_items + item, -1)
    row = (
        pl.DataFrame({"key": option_key})
        .join(lookup, on="key", how="left", maintain_order="left")
        .get_column("row")
        .fill_null(-1)
        .to_numpy()
        .astype(np.int64)
    )

    supply_price = _pick(_floats(supply, "unit_price"), row, np.nan)
    lead_days = _pick(_floats(supply, "lead_time_days"), row, np.nan)
    price_local = _pick(_floats(supply, "price_local"), row, np.nan)
    fx_rate = _pick(_floats(supply, "fx_rate"), row, np.nan)
    packaging_supply = _pick(_floats(supply, "packaging_per_unit"), row, np.nan)
    origin_override = _pick(_codes(origin_column, vocabulary), row, -1)
    origin = np.where(origin_override >= 0, origin_override, country)
    certified = supply.select(
        pl.coalesce(_texts(supply, "usmca_originating"), _texts(supply, "supplier_certifies_origin"))
    ).to_series()
    given_origin = _pick(_yes(certified), row, False)

    item_cost = _pick(_floats(items, "unit_cost"), item, np.nan)
    item_weight = _floats(items, "weight_kg")
    weight = _pick(item_weight, item, np.nan)
    hts_text = items.get_column("hs_code").cast(pl.String).fill_null("").str.replace_all(r"[^0-9]", "")
    hts_vocabulary = sorted(set(hts_text.to_list()))
    hts = _pick(_codes(hts_text, hts_vocabulary), item, 0 if hts_vocabulary else -1)

    shipments_flow = _pick(_floats(flows, "shipments_per_year"), flow_row, np.nan)
    packaging_flow = _pick(_floats(flows, "packaging_per_unit"), flow_row, np.nan)

    # Which receiving sites export, and to the US or Canada (LA 63-A), from every flow of the network.
    ok = (f_from >= 0) & (f_to >= 0)
    cross_flow = ok & (_pick(site_country, f_from, -1) != _pick(site_country, f_to, -1))
    exports_site = np.zeros(len(site_ids) + 1, dtype=bool)
    exports_site[f_from[cross_flow]] = True
    usca = [code_of[c] for c in ("US", "CA") if c in code_of]
    to_usca = cross_flow & np.isin(_pick(site_country, f_to, -1), usca)
    exports_usmca_site = np.zeros(len(site_ids) + 1, dtype=bool)
    exports_usmca_site[f_from[to_usca]] = True
    exports = _pick(exports_site, dst, False)
    exports_usmca = _pick(exports_usmca_site, dst, False)

    # Mode and lane type.
    mode_given = _codes(options.get_column("mode"), list(MODES))
    inferred = np.where(~crosses | (usmca[country] & usmca[importer]), MODES.index("truck"), MODES.index("ocean"))
    mode = np.where(mode_given >= 0, mode_given, inferred)
    lon_to = _pick(lon, dst, np.nan)
    east = np.nan_to_num(lon_to, nan=-118.0) >= -85.0
    ocean = mode == MODES.index("ocean")
    truck = mode == MODES.index("truck")
    lane = np.select(
        [  # the Asia lanes reach North America; ocean to anywhere else has no shipped default
            ocean & asia[country] & usmca[importer] & ~east,
            ocean & asia[country] & usmca[importer] & east,
            ocean,
            truck & crosses,
            truck,
        ],
        [0, 1, 2, 3, 4],
        default=np.where(mode == MODES.index("rail"), 5, 6),
    )
    lane_rows = {r["lane_type"]: r for r in book.lanes.iter_rows(named=True)}

    def lane_value(column: str) -> FloatArray:
        values = []
        for name in LANE_TYPES:
            raw = lane_rows.get(name, {}).get(column)
            values.append(float(raw) if raw not in (None, "") else np.nan)
        picked: FloatArray = np.asarray(values, dtype=np.float64)[lane]
        return picked

    lane_basis = np.asarray([str(lane_rows.get(t, {}).get("freight_basis") or "") for t in LANE_TYPES])[lane]
    crossing_rows = book.crossings
    crossing = _codes(options.get_column("crossing"), crossing_rows.get_column("crossing").to_list())
    crossing_hours = _pick(_floats(crossing_rows, "border_hours"), crossing, np.nan)

    p = book.parameter
    miles = great_circle_miles(_pick(lat, src, np.nan), _pick(lon, src, np.nan), _pick(lat, dst, np.nan), lon_to)
    miles = miles * p("road_circuity")
    border_hours = np.where(
        crosses, np.where(np.isnan(crossing_hours), lane_value("border_hours"), crossing_hours), 0.0
    )
    border_hours = np.nan_to_num(border_hours)
    truck_days = p("truck_sourcing_days") + miles / p("truck_miles_per_day") + border_hours / 24.0
    transit_given = options.get_column("transit_days").cast(pl.Float64).fill_null(np.nan).to_numpy()
    by_distance = (mode == MODES.index("truck")) & ~np.isnan(miles)
    lane_transit = lane_value("transit_days")
    transit = np.where(~np.isnan(transit_given), transit_given, np.where(by_distance, truck_days, lane_transit))
    transit_source = np.where(
        ~np.isnan(transit_given), 0, np.where(by_distance, 1, np.where(~np.isnan(lane_transit), 2, 3))
    )
    payload = lane_value("payload_kg")
    rate = lane_value("freight_rate_usd")
    lane_freight = np.where(
        lane_basis == "per_container",
        rate * weight / payload,
        np.where(lane_basis == "per_mile", rate * miles * weight / payload, np.nan),
    )
    freight_given = options.get_column("freight_per_unit").cast(pl.Float64).fill_null(np.nan).to_numpy()
    # Other freight bases a flow may give: per kg (x the item's weight) or per container / units per container.
    per_kg = _pick(_floats(flows, "freight_per_kg"), flow_row, np.nan) * weight
    per_container = _pick(_floats(flows, "freight_per_container"), flow_row, np.nan) / _pick(
        _floats(flows, "units_per_container"), flow_row, np.nan
    )
    freight_given = np.where(np.isnan(freight_given), per_kg, freight_given)
    freight_given = np.where(np.isnan(freight_given), per_container, freight_given)
    freight = np.where(~np.isnan(freight_given), freight_given, lane_freight)
    freight_source = np.where(~np.isnan(freight_given), 0, np.where(~np.isnan(lane_freight), 2, 3))
    local = ~np.isnan(price_local) & ~np.isnan(fx_rate)
    price = np.where(local, price_local * fx_rate, np.where(~np.isnan(supply_price), supply_price, item_cost))
    price_source = np.where(local, 0, np.where(~np.isnan(supply_price), 1, np.where(~np.isnan(item_cost), 2, 3)))

    # LA 104-I: temporary imports are duty-free, except LA 63-A (goods exported to the US or Canada).
    igi_applies = to_mx & (exports_usmca | ~exports)
    layered = crosses & (~to_mx | igi_applies)  # additional layers follow the importer's own rows
    orig = _originating(options, given_origin, book, originating) & usmca[origin]

    # Tariffs once per distinct (HTS line, origin, importer, originating).
    n_countries = len(vocabulary)
    tariff_key = ((np.maximum(hts, 0) * n_countries + origin) * n_countries + importer) * 2 + orig
    unique_keys, inverse = np.unique(tariff_key, return_inverse=True)
    u_orig = (unique_keys % 2).astype(bool)
    packed = unique_keys // 2
    u_hts = packed // (n_countries * n_countries)
    u_origin = (packed // n_countries) % n_countries
    u_importer = packed % n_countries
    hts_names = np.asarray(hts_vocabulary or [""], dtype=object)
    key_hts = [str(h) for h in hts_names[u_hts]]
    key_origin = [str(c) for c in countries[u_origin]]
    key_importer = [str(c) for c in countries[u_importer]]
    rates = duty_rates(book.tariffs, key_hts, key_origin, key_importer, as_of, book.layers, originating=u_orig)
    item_units = np.asarray(_texts(items, "unit").fill_null("").to_list(), dtype=object)
    metal_share = _floats(items, "metal_content_share")
    due = item_duties(rates, item_weight, item_units, metal_share, key_of=inverse, item_of=item)
    mfn_due = crosses & (~to_mx | (igi_applies & ~orig))  # Decreto IMMEX art. 15-I: no IGI on originating inputs
    unknown = {
        name: np.where(mfn_due if name == "mfn" else layered, code, 0).astype(np.int8) if name in due.active else code
        for name, code in due.unknown.items()
    }
    mfn_rate, mfn_spec = due.rate["mfn"], due.specific_usd["mfn"]
    s301_rate, s301_spec = due.rate["section_301"], due.specific_usd["section_301"]
    add_rate = np.zeros(n)
    add_spec = np.zeros(n)
    for name in LAYERS:
        if name not in ("mfn", "section_301") and name in due.active:
            add_rate += due.rate[name]
            add_spec += due.specific_usd[name]
    mpf = mpf_limits(book.mpf, as_of)
    shipments = np.where(np.isnan(shipments_flow), lane_value("shipments_per_year"), shipments_flow)
    shipments = np.nan_to_num(shipments, nan=12.0)
    annual = np.asarray(annual_units, dtype=np.float64)
    q = np.maximum(annual / np.maximum(shipments, 1e-9), 1.0)
    tier_of = tiers if tiers is not None else country_tiers([c for c in vocabulary if c])
    risk = {r["tier"]: float(r["disruption_rate"]) for r in book.risk_tiers.iter_rows(named=True)}
    # The risk of the maker's country: a distributor's row with origin_country carries its maker's tier.
    disruption_rate = np.asarray([risk.get(tier_of.get(c, ""), 0.0) for c in vocabulary], dtype=np.float64)[origin]
    packaging = np.nan_to_num(np.where(np.isnan(packaging_flow), packaging_supply, packaging_flow))

    def full(value: float) -> FloatArray:  # a read-only broadcast view: no n-sized allocation
        return np.broadcast_to(np.float64(value), (n,))

    inputs = CostInputs(
        unit_price=np.nan_to_num(price),
        fx_rate=full(1.0),
        packaging=packaging,
        freight=np.nan_to_num(freight),
        insurance_rate=np.where(src == dst, 0.0, p("insurance_rate")),  # made where it is used: nothing shipped
        dutiable=crosses,
        value_includes_freight=(to_mx & (p("mx_value_includes_freight") > 0))
        | (to_us & (p("us_duty_basis_excludes_freight") <= 0)),
        originating=orig,
        rate_mfn=np.where(crosses & ~to_mx, mfn_rate, 0.0),
        specific_mfn=np.where(crosses & ~to_mx, mfn_spec, 0.0),
        exempt_mfn=np.zeros(n, dtype=bool),  # the USMCA preference is already in the rates
        rate_301=np.where(layered, s301_rate, 0.0),
        specific_301=np.where(layered, s301_spec, 0.0),
        rate_additional=np.where(layered, add_rate, 0.0),
        specific_additional=np.where(layered, add_spec, 0.0),
        exempt_additional=np.zeros(n, dtype=bool),
        rate_igi=np.where(igi_applies, due.rate["mfn"], 0.0),
        specific_igi=np.where(igi_applies, due.specific_usd["mfn"], 0.0),
        exempt_igi=np.ones(n, dtype=bool),  # Decreto IMMEX art. 15-I: no IGI on FTA-originating inputs
        mpf_applies=to_us & ~(orig & (p("mpf_exempt_usmca") > 0)),
        mpf_rate=full(float(mpf["rate"])),
        mpf_min=full(float(mpf["minimum"])),
        mpf_max=full(float(mpf["maximum"])),
        hmf_applies=to_us & (mode == MODES.index("ocean")),
        hmf_rate=full(p("hmf_rate")),
        broker_per_entry=np.where(crosses, p("broker_fee_per_entry"), 0.0),
        crossing_per_shipment=np.where(to_us & (mode == MODES.index("truck")), p("truck_arrival_fee"), 0.0),
        entries_per_year=full(0.0),  # set per lane by consolidate_entries below
        entry_value_others=full(0.0),
        mpf_value_others=full(0.0),
        shipment_units=q,
        annual_units=annual,
        transit_days=np.nan_to_num(transit),
        transit_sd_days=np.nan_to_num(lane_value("transit_sd_days")),
        supplier_lead_days=np.nan_to_num(lead_days),
        prepaid=np.full(n, p("prepaid_in_transit") > 0),
        carrying_rate=full(p("carrying_rate")),
        service_level=full(p("service_level")),
        demand_cv=full(p("demand_cv")),
        travel_audit_rate=full(p("travel_audit_rate")),
        quality_rework_rate=full(p("quality_rework_rate")),
        ip_risk_rate=full(p("ip_risk_rate")),
        warranty_rate=full(p("warranty_rate")),
        disruption_rate=disruption_rate,
        disruption_per_unit=(
            np.full(n, np.nan) if disruption_per_unit is None else np.asarray(disruption_per_unit, dtype=np.float64)
        ),
        opportunity_rate_per_week=full(p("opportunity_rate_per_week")),
        strategic_rate=full(p("strategic_rate")),
    )
    # One customs entry per lane and shipment, shared by the goods on it (allyshore.cost.entries).
    # Only options that pay a fee per entry need their lane (the others share nothing): lane 0.
    fees = (inputs.broker_per_entry > 0) | (inputs.crossing_per_shipment > 0) | inputs.mpf_applies
    entry_lane = np.zeros(n, dtype=np.int64)
    if fees.any():
        entry_lane[fees] = lane_ids(src[fees], dst[fees], mode[fees]) + 1
    ships_today = fees & (options.get_column("status").fill_null("active") != "candidate").to_numpy()
    other_goods = _pick(_floats(flows, "other_goods_value_per_shipment"), flow_row, np.nan)
    inputs = consolidate_entries(inputs, entry_lane, ships_today, other_goods)
    lane_source = {t: str(lane_rows.get(t, {}).get("source") or "") for t in LANE_TYPES}
    lane_date = {t: str(lane_rows.get(t, {}).get("source_date") or "") for t in LANE_TYPES}
    crossing_source = dict(enumerate(crossing_rows.get_column("source").to_list()))
    crossing = np.where(np.isnan(crossing_hours), -1, crossing)  # a crossing row counts where its hours are used

    def decode(name: str, codes: NDArray[np.int64], labels: Mapping[int, str]) -> pl.Series:
        """Labels of integer codes as an Enum column (no per-row strings; -1 -> null)."""
        categories = sorted(set(labels.values()))
        return pl.Series(name, codes, dtype=pl.Int64).replace_strict(
            dict(labels), default=None, return_dtype=pl.Enum(categories)
        )

    lane_names = dict(enumerate(LANE_TYPES))
    trace = DutyTrace(
        rates=rates,
        key_hts=key_hts,
        key_origin=key_origin,
        key_importer=key_importer,
        key_of=inverse.astype(np.int64),
        unknown=unknown,
        source_site=options.get_column("source_site"),
        to_site=options.get_column("to_site"),
        item_id=options.get_column("item_id"),
    )
    if brief:
        detail = options.select("source_site", "to_site", "item_id", "status").with_columns(
            pl.Series("option", np.arange(n), dtype=pl.Int64),
            decode("country", country, dict(enumerate(vocabulary))),
            decode("lane_type", lane, lane_names),
            pl.Series("price_known", price_source < 3),
        )
        return OptionInputs(inputs=inputs, detail=detail, duties=trace)
    detail = options.select("source_site", "to_site", "item_id", "status", "crossing").with_columns(
        pl.Series("option", np.arange(n), dtype=pl.Int64),
        decode("country", country, dict(enumerate(vocabulary))),
        decode("importer", importer, dict(enumerate(vocabulary))),
        decode("origin", origin, dict(enumerate(vocabulary))),
        decode("hs_code", np.where(hts >= 0, hts, -1), dict(enumerate(hts_vocabulary))),
        decode("lane_type", lane, lane_names),
        decode("mode_used", mode, dict(enumerate(MODES))),
        decode("transit_source", transit_source, dict(enumerate(INPUT_SOURCES))),
        decode("freight_source", freight_source, dict(enumerate(INPUT_SOURCES))),
        decode("price_source", price_source, dict(enumerate(PRICE_SOURCES))),
        decode("lane_source", lane, {i: lane_source[t] for i, t in lane_names.items()}),
        decode("lane_date", lane, {i: lane_date[t] for i, t in lane_names.items()}),
        decode("crossing_source", crossing, crossing_source),
        decode("tier", country, {i: tier_of.get(c, "") for i, c in enumerate(vocabulary)}),
        pl.Series("currency", _currency(supply, row), dtype=pl.String),
        pl.Series("originating", orig),
        pl.Series("igi_applies", igi_applies),
        pl.Series("shipment_units", q),
        pl.Series("lane_partners", lane_partners(entry_lane, ships_today)),
        *(
            decode(f"measure_{name}", inverse, dict(enumerate(str(m) for m in rates.measure[name])))
            for name in rates.measure
        ),
        pl.lit(mpf["fiscal_year"]).alias("mpf_year"),
    )
    return OptionInputs(inputs=inputs, detail=detail, duties=trace)


def _originating(
    options: pl.DataFrame,
    column: NDArray[np.bool_],
    book: AssumptionBook,
    given: Mapping[tuple[str, str], bool] | None,
) -> NDArray[np.bool_]:
    """USMCA-originating per option: the column, then the assumptions file, then the caller's (origin engine) map."""
    out = column.copy()
    mappings = [book.originating, {f"{s}/{i}": v for (s, i), v in (given or {}).items()}]
    if not any(mappings):
        return out
    keys = options.select((pl.col("source_site") + "/" + pl.col("item_id")).alias("key")).to_series()
    for mapping in mappings:
        if mapping:
            hits = keys.replace_strict({k: int(v) for k, v in mapping.items()}, default=-1, return_dtype=pl.Int8)
            values = hits.to_numpy()
            known = values >= 0
            out[known] = values[known] == 1
    return out


def country_tiers(countries: list[str]) -> dict[str, str]:
    """Trust tier per country under the default trust policy (for the country-risk disruption default)."""
    return dict(_tiers(tuple(sorted(c for c in countries if c))))


@cache
def _tiers(codes: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    if not codes:
        return ()
    from allyshore.trust import assess_countries

    table = assess_countries(None, list(codes))
    return tuple((entry.alpha2, str(entry.tier)) for entry in table)
