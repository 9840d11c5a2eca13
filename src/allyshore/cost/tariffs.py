"""Layered, dated tariff measures evaluated on a date, vectorised over many (HTS, origin, importer) keys.

A measure (a row of the tables of :mod:`allyshore.cost.measures`) gives one layer's
duty on an HTS prefix from an origin (``*`` = any, else a ``;``-list of ISO codes,
minus ``origin_except``) into an importing country, between two dates.

* Within a layer the most specific measure in force wins: the longest HTS prefix,
  then a named origin over ``*``, then the latest start. Keys are matched by an
  exact join on their own prefixes (0, 2, 4, ... digits), never a cross join.
* Layers add up. A measure that applies switches off the layers it ``displaces``
  for the same key (on its metal-content share only, when its ``value_basis`` is
  ``metal_content``); a measure with ``usmca_exempt`` does not apply to
  USMCA-originating goods (it then displaces nothing).
* A duty that cannot be determined is *unknown*, never 0 (:data:`UNKNOWN`): no HS
  code, no MFN row for a line (or no table at all for the importer), a rate the
  engine cannot price, a code shorter than the lines whose rates differ, a
  specific rate whose unit the item's data cannot meet, a metal-content rate
  without the share, a USMCA special rate given by reference.

>>> import datetime as dt
>>> from allyshore.cost.assumptions import default_assumptions
>>> book = default_assumptions()
>>> rates = duty_rates(book.tariffs, ["9403.60.80"], ["CN"], ["US"], dt.date(2019, 1, 1))
>>> float(rates.rate["section_301"][0])
0.1
>>> float(duty_rates(book.tariffs, ["9403.60.80"], ["CN"], ["US"], dt.date(2019, 6, 1)).rate["section_301"][0])
0.25
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from allyshore.cost.measures import LAYERS

FloatArray = NDArray[np.float64]
CodeArray = NDArray[np.int8]

#: Why a duty is unknown (code -> short name); 0 = known.
UNKNOWN: dict[int, str] = {
    1: "no HS code",
    2: "no MFN row",
    3: "no tariff table",
    4: "rate not machine-readable",
    5: "depends on the full line",
    6: "specific rate unit",
    7: "metal content share",
    8: "USMCA rate by reference",
}
NO_HS, NO_ROW, NO_TABLE, RATE_TEXT, DEPENDS, SPECIFIC_UNIT, METAL_SHARE, USMCA_RATE = range(1, 9)

#: How many items of a unit (the item's ``unit``) make one unit of a specific rate; kg and t use ``weight_kg``.
_EACH = ("", "ea", "each", "pc", "pcs", "piece", "pieces", "no", "no.", "nos", "unit", "units", "u")
ITEM_UNITS: dict[str, tuple[str, ...]] = {
    "each": _EACH,
    "pair": ("pr", "pr.", "pair", "pairs", "prs", "prs."),
    "dozen": ("doz", "doz.", "dozen"),
    "liter": ("l", "liter", "litre", "liters", "litres"),
    "m": ("m", "meter", "metre", "meters", "metres"),
    "m2": ("m2", "m²", "sqm"),
    "m3": ("m3", "m³", "cbm"),
    "bbl": ("bbl", "barrel", "barrels"),
    "kg": ("kg",),
    "t": ("t", "tonne", "tonnes"),
}
_PER_EACH = {"each": 1.0, "dozen": 1 / 12, "gross": 1 / 144, "thousand": 1 / 1000}


@dataclass(frozen=True, eq=False)
class DutyRates:
    """Per key and layer: the winning measure and its terms, the unknowns and the displacements.

    ``rate`` is the ad valorem share, ``specific`` the specific amount in USD per ``specific_unit``
    (blank: per unit of the item). When ``originating`` was given, ``exempted`` marks the layers a
    USMCA-originating good does not pay; ``displaced_by`` names the layer that switched a layer off
    (``displaced_partly`` when only on the metal-content share). ``unknown`` holds :data:`UNKNOWN` codes.
    """

    rate: Mapping[str, FloatArray]
    specific: Mapping[str, FloatArray]
    specific_unit: Mapping[str, NDArray[np.object_]]
    usmca_exempt: Mapping[str, NDArray[np.bool_]]
    measure: Mapping[str, NDArray[np.object_]]
    metal: Mapping[str, NDArray[np.bool_]]  # value_basis = metal_content
    exempted: Mapping[str, NDArray[np.bool_]]
    displaced_by: Mapping[str, NDArray[np.object_]]
    displaced_partly: Mapping[str, NDArray[np.bool_]]
    unknown: Mapping[str, CodeArray]
    example: Mapping[str, NDArray[np.object_]]  # a longer line that differs (code 5)
    used: pl.DataFrame  # the measures that applied to at least one key (for the assumption list)


def normalise_hts(codes: Sequence[str | None] | pl.Series) -> pl.Series:
    """HS/HTS codes as digits only ("8536.50.90" -> "85365090"); missing -> ""."""
    series = codes if isinstance(codes, pl.Series) else pl.Series("hts", list(codes), dtype=pl.String)
    return series.cast(pl.String).fill_null("").str.replace_all(r"[^0-9]", "").alias("hts")


def measures_in_force(tariffs: pl.DataFrame, as_of: dt.date, layers: Mapping[str, bool] | None = None) -> pl.DataFrame:
    """The measures in force on ``as_of`` whose layer is switched on (user switches override row defaults)."""
    enabled = pl.col("enabled")
    for layer, on in dict(layers or {}).items():
        enabled = pl.when(pl.col("layer") == layer).then(pl.lit(on)).otherwise(enabled)
    return tariffs.filter(
        (pl.col("effective_from") <= as_of) & (pl.col("effective_to") >= as_of) & enabled.cast(pl.Boolean)
    )


_EFFECT = (
    "rate_ad_valorem",
    "rate_specific_usd",
    "rate_specific_unit",
    "usmca_exempt",
    "value_basis",
    "rate_known",
    "usmca_rate",
    "displaces",
)


def _active(tariffs: pl.DataFrame, as_of: dt.date, layers: Mapping[str, bool] | None) -> pl.DataFrame:
    """Measures in force, one row per named origin, with the prefix length and ``;except;`` text for matching."""
    return (
        measures_in_force(tariffs, as_of, layers)
        .with_row_index("m")
        .with_columns(
            pl.col("hts_prefix").str.len_chars().alias("plen"),
            (pl.lit(";") + pl.col("origin_except") + pl.lit(";")).alias("except"),
            pl.col("origin").str.split(";").alias("origin_m"),
        )
        .explode("origin_m")
        .with_columns((pl.col("origin_m") != "*").alias("named"))
    )


def _match(keys: pl.DataFrame, active: pl.DataFrame, left: str, right: str) -> pl.DataFrame:
    """Rows (key, measure) where the key's ``left`` text equals the measure's ``right`` and the origin matches."""
    named = keys.join(
        active.filter(pl.col("named")),
        left_on=["importer", left, "origin"],
        right_on=["importer", right, "origin_m"],
        how="inner",
    )
    star = keys.join(
        active.filter(~pl.col("named")), left_on=["importer", left], right_on=["importer", right], how="inner"
    ).filter(~pl.col("except").str.contains(pl.lit(";") + pl.col("origin") + pl.lit(";"), literal=True))
    columns = ["key", "m", "measure_id", "layer", "plen", "named", "effective_from", *_EFFECT]
    return pl.concat([named.select(columns), star.select(columns)], how="vertical")


def duty_rates(
    tariffs: pl.DataFrame,
    hts: Sequence[str | None] | pl.Series,
    origin: Sequence[str] | pl.Series,
    importer: Sequence[str] | pl.Series,
    as_of: dt.date,
    layers: Mapping[str, bool] | None = None,
    *,
    originating: Sequence[bool] | NDArray[np.bool_] | None = None,
) -> DutyRates:
    """Rates of every layer for each (hts, origin, importer[, originating]) key, evaluated on ``as_of``."""
    origin_list = list(origin)
    n = len(origin_list)
    keys = pl.DataFrame(
        {
            "hts": normalise_hts(hts),
            "origin": pl.Series(origin_list, dtype=pl.String).fill_null("").str.to_uppercase(),
            "importer": pl.Series(list(importer), dtype=pl.String).fill_null("").str.to_uppercase(),
            "originating": pl.Series(
                np.zeros(n, dtype=bool) if originating is None else np.asarray(originating, dtype=bool)
            ),
        }
    )
    unique = keys.unique(maintain_order=True).with_row_index("key").with_columns(pl.col("key").cast(pl.Int64))
    u = unique.height
    active = _active(tariffs, as_of, layers)
    lengths = sorted(set(active.get_column("plen").to_list()))
    coded = unique.filter(pl.col("hts") != "").with_columns(pl.col("hts").str.len_chars().alias("klen"))
    probes = pl.concat(
        [coded.filter(pl.col("klen") >= k).with_columns(pl.col("hts").str.slice(0, k).alias("probe")) for k in lengths]
        or [coded.with_columns(pl.lit("").alias("probe"))],
        how="vertical",
    )
    found = _match(probes, active, "probe", "hts_prefix")
    winners = (
        found.sort(["key", "layer", "plen", "named", "effective_from"], descending=[False, False, True, True, True])
        .group_by(["key", "layer"], maintain_order=True)
        .first()
    )
    # Longer lines under a short code whose terms differ from the winner's: the duty depends on the full line.
    parts = []
    for k in sorted(set(coded.get_column("klen").to_list())):
        longer = active.filter(pl.col("plen") > k).with_columns(pl.col("hts_prefix").str.slice(0, k).alias("cut"))
        if longer.height:
            subset = coded.filter(pl.col("klen") == k)
            parts.append(_match(subset, longer.with_columns(pl.col("hts_prefix").alias("line")), "hts", "cut"))
    ambiguous = _ambiguous(parts, winners, active)

    arrays = {layer: _scatter(winners.filter(pl.col("layer") == layer), u) for layer in LAYERS}
    amb = {layer: ambiguous.filter(pl.col("layer") == layer) for layer in LAYERS}
    has_hts = (unique.get_column("hts") != "").to_numpy()
    is_originating = unique.get_column("originating").to_numpy()
    importer_has_mfn = set(tariffs.filter(pl.col("layer") == "mfn").get_column("importer").unique().to_list())
    table = unique.get_column("importer").is_in(sorted(importer_has_mfn)).to_numpy()
    unknown: dict[str, CodeArray] = {}
    example: dict[str, NDArray[np.object_]] = {}
    exempted: dict[str, NDArray[np.bool_]] = {}
    for layer in LAYERS:
        a = arrays[layer]
        code = np.zeros(u, dtype=np.int8)
        ex = np.full(u, "", dtype=object)
        idx = amb[layer].get_column("key").to_numpy()
        code[idx] = DEPENDS
        ex[idx] = np.asarray(amb[layer].get_column("example").to_list(), dtype=object)
        code = np.where(a["found"] & ~a["known"] & (code == 0), RATE_TEXT, code).astype(np.int8)
        by_reference = a["found"] & ~np.isin(a["usmca_rate"], ["", "Free"])
        code = np.where(is_originating & by_reference & (code == 0), USMCA_RATE, code).astype(np.int8)
        if layer == "mfn":
            missing = ~a["found"] & (code == 0)
            code = np.where(missing, np.where(table, NO_ROW, NO_TABLE), code).astype(np.int8)
            code = np.where(has_hts, code, NO_HS).astype(np.int8)
        else:
            code = np.where(has_hts, code, 0).astype(np.int8)
        unknown[layer] = code
        example[layer] = ex
        exempted[layer] = is_originating & a["exempt"] & a["found"] & (code != USMCA_RATE)
    # Displacement: a winning measure that applies switches off the layers it names.
    displaced_by = {layer: np.full(u, "", dtype=object) for layer in LAYERS}
    displaced_partly = {layer: np.zeros(u, dtype=bool) for layer in LAYERS}
    for layer in LAYERS:
        a = arrays[layer]
        applies = a["found"] & has_hts & ~exempted[layer] & (unknown[layer] == 0)
        for text in sorted({str(t) for t in a["displaces"][applies] if t}):
            mask = applies & (a["displaces"] == text)
            for target in text.split(";"):
                free = mask & (displaced_by[target] == "")
                displaced_by[target][free] = layer
                displaced_partly[target][free] = a["metal"][free]
    for layer in LAYERS:  # a layer switched off entirely has nothing unknown left
        off = (displaced_by[layer] != "") & ~displaced_partly[layer]
        unknown[layer] = np.where(off, 0, unknown[layer]).astype(np.int8)

    inverse = keys.join(unique, on=["hts", "origin", "importer", "originating"], how="left", maintain_order="left")
    position = inverse.get_column("key").to_numpy()

    def spread(values: NDArray[Any]) -> NDArray[Any]:
        return values[position] if n else values[:0]

    used_ids = winners.join(active.select("m", "measure_id").unique("m"), on="m").get_column("measure_id").unique()
    return DutyRates(
        rate={k: spread(np.where(has_hts, v["rate"], 0.0)) for k, v in arrays.items()},
        specific={k: spread(np.where(has_hts, v["specific"], 0.0)) for k, v in arrays.items()},
        specific_unit={k: spread(v["unit"]) for k, v in arrays.items()},
        usmca_exempt={k: spread(v["exempt"]) for k, v in arrays.items()},
        measure={k: spread(np.where(has_hts, v["measure"], "")) for k, v in arrays.items()},
        metal={k: spread(v["metal"]) for k, v in arrays.items()},
        exempted={k: spread(v) for k, v in exempted.items()},
        displaced_by={k: spread(v) for k, v in displaced_by.items()},
        displaced_partly={k: spread(v) for k, v in displaced_partly.items()},
        unknown={k: spread(v) for k, v in unknown.items()},
        example={k: spread(v) for k, v in example.items()},
        used=tariffs.filter(pl.col("measure_id").is_in(used_ids.implode())),
    )


def _scatter(part: pl.DataFrame, size: int) -> dict[str, NDArray[Any]]:
    """The winner's terms as arrays indexed by key (defaults where no measure matched)."""
    out: dict[str, NDArray[Any]] = {
        "found": np.zeros(size, dtype=bool),
        "rate": np.zeros(size),
        "specific": np.zeros(size),
        "unit": np.full(size, "", dtype=object),
        "exempt": np.zeros(size, dtype=bool),
        "metal": np.zeros(size, dtype=bool),
        "known": np.ones(size, dtype=bool),
        "usmca_rate": np.full(size, "", dtype=object),
        "displaces": np.full(size, "", dtype=object),
        "measure": np.full(size, "", dtype=object),
    }
    if part.height == 0:
        return out
    idx = part.get_column("key").to_numpy()
    out["found"][idx] = True
    out["rate"][idx] = part.get_column("rate_ad_valorem").to_numpy()
    out["specific"][idx] = part.get_column("rate_specific_usd").to_numpy()
    out["unit"][idx] = np.asarray(part.get_column("rate_specific_unit").to_list(), dtype=object)
    out["exempt"][idx] = part.get_column("usmca_exempt").to_numpy()
    out["metal"][idx] = (part.get_column("value_basis") == "metal_content").to_numpy()
    out["known"][idx] = part.get_column("rate_known").to_numpy()
    out["usmca_rate"][idx] = np.asarray(part.get_column("usmca_rate").to_list(), dtype=object)
    out["displaces"][idx] = np.asarray(part.get_column("displaces").to_list(), dtype=object)
    out["measure"][idx] = np.asarray(part.get_column("measure_id").to_list(), dtype=object)
    return out


def _ambiguous(parts: list[pl.DataFrame], winners: pl.DataFrame, active: pl.DataFrame) -> pl.DataFrame:
    """(key, layer, example) where a longer line's terms differ from the winner's (or from nothing)."""
    schema = {"key": pl.Int64, "layer": pl.String, "example": pl.String}
    if not parts:
        return pl.DataFrame(schema=schema)
    longer = pl.concat(parts, how="vertical").join(active.select("m", "hts_prefix").unique("m"), on="m")
    none = {
        "rate_ad_valorem": 0.0,
        "rate_specific_usd": 0.0,
        "rate_specific_unit": "",
        "usmca_exempt": False,
        "value_basis": "full",
        "rate_known": True,
        "usmca_rate": "",
        "displaces": "",
    }
    best = winners.select("key", "layer", *(pl.col(c).alias(f"w_{c}") for c in _EFFECT))
    joined = longer.join(best, on=["key", "layer"], how="left").with_columns(
        pl.col(f"w_{c}").fill_null(pl.lit(v)) for c, v in none.items()
    )
    differs = pl.any_horizontal(*(pl.col(c) != pl.col(f"w_{c}") for c in _EFFECT))
    return (
        joined.filter(differs)
        .sort("key", "layer", "hts_prefix")
        .group_by("key", "layer", maintain_order=True)
        .agg(pl.col("hts_prefix").first().alias("example"))
        .select(pl.col("key").cast(pl.Int64), "layer", "example")
    )


@dataclass(frozen=True, eq=False)
class ItemDuties:
    """Per position and layer: the ad valorem share of the customs value and the USD per item unit that are due,
    and the :data:`UNKNOWN` code (0 = known). Arrays of a layer nothing matched are shared read-only zeros."""

    rate: Mapping[str, FloatArray]
    specific_usd: Mapping[str, FloatArray]
    unknown: Mapping[str, CodeArray]
    active: frozenset[str] = frozenset()  # the layers with any rate or unknown (the others are shared zeros)


def _unit_factor(spec: str, units: NDArray[np.object_], weight: FloatArray) -> FloatArray:
    """Units of a specific rate per unit of the item (nan when the item's data cannot tell)."""
    n = len(units)
    if spec in ("kg", "t"):
        scale = 1.0 if spec == "kg" else 0.001
        factor = np.where(np.isin(units, ITEM_UNITS["kg"]), scale, weight * scale)
        return np.where(np.isin(units, ITEM_UNITS["t"]), 1000.0 * scale, factor)
    factor = np.full(n, np.nan)
    if spec in _PER_EACH:
        factor = np.where(np.isin(units, _EACH), _PER_EACH[spec], factor)
        if spec == "dozen":
            factor = np.where(np.isin(units, ITEM_UNITS["dozen"]), 1.0, factor)
        return factor
    return np.where(np.isin(units, ITEM_UNITS.get(spec, ())), 1.0, factor)


def item_duties(
    rates: DutyRates,
    weight_kg: FloatArray,
    item_unit: Sequence[str | None] | NDArray[np.object_],
    metal_share: FloatArray,
    key_of: NDArray[np.int64] | None = None,
    item_of: NDArray[np.int64] | None = None,
) -> ItemDuties:
    """The duties each item owes per unit, from the rates of :func:`duty_rates` and the item's data.

    ``key_of`` maps each item to its position in ``rates`` (default: one to one); with ``item_of``,
    ``weight_kg``, ``item_unit`` and ``metal_share`` are per distinct item and ``item_of`` maps each
    position to its item (-1: none), so only the few positions that need them are looked up. A specific rate per
    kg or t uses ``weight_kg``; per each, dozen, gross or thousand the item's ``unit`` must count pieces;
    per liter, m, m2, m3, bbl or pair it must be that unit. A rate on the metal content uses ``metal_share``
    (a layer it displaces applies to the rest). What the data cannot meet is unknown, counted as 0.

    >>> import datetime as dt
    >>> from allyshore.cost.assumptions import default_assumptions
    >>> beef = duty_rates(default_assumptions().tariffs, ["0201.10.05"], ["AR"], ["US"], dt.date(2026, 1, 1))
    >>> due = item_duties(beef, np.array([20.0]), ["ea"], np.array([np.nan]))
    >>> round(float(due.specific_usd["mfn"][0]), 4), int(due.unknown["mfn"][0])   # 4.4 cents/kg x 20 kg
    (0.88, 0)
    """
    weight = np.append(np.asarray(weight_kg, dtype=np.float64), np.nan)
    shares = np.append(np.asarray(metal_share, dtype=np.float64), np.nan)
    item_units = np.append(np.asarray(item_unit, dtype=object), "")
    n = len(weight) - 1 if item_of is None else len(item_of)
    index = np.arange(n) if key_of is None else np.asarray(key_of, dtype=np.int64)
    which = np.arange(n) if item_of is None else np.asarray(item_of, dtype=np.int64)  # -1 reads the appended nan
    zeros = np.broadcast_to(np.float64(0.0), (n,))
    no_code = np.broadcast_to(np.int8(0), (n,))
    rate: dict[str, FloatArray] = {}
    specific: dict[str, FloatArray] = {}
    unknown: dict[str, CodeArray] = {}
    for layer in LAYERS:
        code_k = rates.unknown[layer]
        partly = rates.displaced_partly[layer]
        off = ((rates.displaced_by[layer] != "") & ~partly) | rates.exempted[layer] | (code_k != 0)
        rate_k = np.where(off, 0.0, rates.rate[layer])
        spec_k = np.where(off, 0.0, rates.specific[layer])
        if not (rate_k.any() or spec_k.any() or code_k.any()):
            rate[layer], specific[layer], unknown[layer] = zeros, zeros, no_code
            continue
        unit_k = rates.specific_unit[layer]
        needs_k = ((spec_k > 0) & (unit_k != "")) | ((rates.metal[layer] | partly) & ~off)
        rate_o, spec_o, code_o = rate_k[index], spec_k[index], code_k[index].astype(np.int8)
        sub = np.nonzero(needs_k[index])[0]
        if sub.size:
            k = index[sub]
            items = which[sub]
            share = shares[items]
            units = np.asarray([("" if u is None else str(u).strip().lower()) for u in item_units[items]], dtype=object)
            factor = np.ones(sub.size)
            for spec in {str(x) for x in unit_k[k] if x}:
                hit = unit_k[k] == spec
                factor = np.where(hit, _unit_factor(spec, units, weight[items]), factor)
            code = code_o[sub]
            code = np.where((spec_k[k] > 0) & np.isnan(factor) & (code == 0), SPECIFIC_UNIT, code)
            no_share = np.isnan(share) | (share < 0) | (share > 1)
            code = np.where((rates.metal[layer][k] | partly[k]) & no_share & (code == 0), METAL_SHARE, code)
            share = np.nan_to_num(share)
            ad_valorem = np.where(rates.metal[layer][k], rate_k[k] * share, rate_k[k])
            keep = np.where(partly[k], 1.0 - share, 1.0)
            known = code == 0
            rate_o[sub] = np.where(known, ad_valorem * keep, 0.0)
            spec_o[sub] = np.where(known, spec_k[k] * np.nan_to_num(factor) * keep, 0.0)
            code_o[sub] = code
        rate[layer], specific[layer], unknown[layer] = rate_o, spec_o, code_o
    busy = frozenset(layer for layer in LAYERS if rate[layer] is not zeros or unknown[layer] is not no_code)
    return ItemDuties(rate=rate, specific_usd=specific, unknown=unknown, active=busy)


def mpf_limits(mpf: pl.DataFrame, as_of: dt.date) -> dict[str, float | str]:
    """The MPF rate, minimum and maximum of the US fiscal year containing ``as_of`` (latest year if beyond)."""
    frame = mpf.with_columns(
        pl.col("effective_from").str.to_date(),
        pl.col("effective_to").str.to_date(),
    ).sort("effective_from")
    row = frame.filter((pl.col("effective_from") <= as_of) & (pl.col("effective_to") >= as_of))
    if row.height == 0:
        row = frame.filter(pl.col("effective_from") <= as_of).tail(1)
        if row.height == 0:
            row = frame.head(1)
    record = row.row(0, named=True)
    return {
        "fiscal_year": str(record["fiscal_year"]),
        "rate": float(record["rate"]),
        "minimum": float(record["minimum_usd"]),
        "maximum": float(record["maximum_usd"]),
        "source": str(record["source"]),
        "date": str(record["source_date"]),
    }
