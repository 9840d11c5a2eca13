"""The capacity map: establishments and employment by state and SCIAN code, in one sector.

:func:`aggregate` is the kernel (a frame of establishments in the columns of
:mod:`allyshore.capacity.schema` in, tables out, all in polars); :func:`capacity_map`
reads the edition in use and calls it.

Employment comes from DENUE's size bands (``per_ocu``): every establishment has a
low and a high bound (``employees_low``, ``employees_high``), and a group's
employment is given three ways, the sums of the low bounds, of the high bounds, and of
the midpoints ((low + high) / 2). The open band "251 y más personas" has no published
high bound: the import calibrates it and stores it as ``employees_high``
(docs/capacity.md says how), so the high and mid figures of any group with band-7
establishments depend on that calibration; the result's notes say how many such
establishments the figures hold. A bound the edition does not give (null) makes the
sum of its group null (unknown), never a smaller number.

SCIAN levels: sector (2 digits), subsector (3), rama (4), subrama (5), class (6).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Final

import polars as pl

from allyshore.capacity.results import CapacityMap
from allyshore.capacity.sectors import Sector
from allyshore.errors import InputError

#: SCIAN levels by name -> digits of the code.
LEVELS: Final[dict[str, int]] = {"sector": 2, "subsector": 3, "rama": 4, "subrama": 5, "class": 6}
#: Columns the map reads from the establishment table.
COLUMNS: Final = (
    "scian",
    "activity",
    "band",
    "employees_low",
    "employees_high",
    "state",
    "state_name",
    "in_industrial_park",
    "lat",
    "lon",
)
#: The h3 resolution of the map's cells by default (average hexagon edge about 22 km).
CELL_RESOLUTION: Final = 4


def level_digits(level: str) -> int:
    """Digits of the SCIAN code at ``level``; :class:`InputError` for an unknown level."""
    if level not in LEVELS:
        raise InputError(f"--level '{level}': choose one of {', '.join(LEVELS)} (2, 3, 4, 5 or 6 digits)")
    return LEVELS[level]


def _known_sum(column: str) -> pl.Expr:
    """The sum of ``column``, null when any value of the group is null (unknown, not zero)."""
    return pl.when(pl.col(column).null_count() == 0).then(pl.col(column).sum()).otherwise(None)


def _midpoint() -> pl.Expr:
    """An establishment's employment at the middle of its band (the open band's high bound calibrated)."""
    return (pl.col("employees_low") + pl.col("employees_high")) / 2.0


def _measures() -> list[pl.Expr]:
    low = _known_sum("employees_low").cast(pl.Int64)
    high = _known_sum("employees_high").cast(pl.Int64)
    mid = _known_sum("_mid").cast(pl.Float64)
    parks = pl.when(pl.col("in_industrial_park").null_count() == 0).then(
        pl.col("in_industrial_park").cast(pl.Int64).sum()
    )
    park_mid = pl.when(pl.col("in_industrial_park").null_count() == 0).then(_park_mid())
    return [
        pl.len().cast(pl.Int64).alias("establishments"),
        low.alias("employees_low"),
        mid.alias("employees_mid"),
        high.alias("employees_high"),
        parks.cast(pl.Int64).alias("in_parks"),
        park_mid.cast(pl.Float64).alias("employees_mid_in_parks"),
    ]


def _park_mid() -> pl.Expr:
    """The midpoint employment of the group's establishments in parks (null when a midpoint is unknown)."""
    in_park = pl.col("_mid").filter(pl.col("in_industrial_park"))
    return pl.when(in_park.null_count() == 0).then(in_park.sum()).otherwise(None)


def in_sector(prefixes: Sequence[str]) -> pl.Expr:
    """Rows whose SCIAN code starts with one of ``prefixes`` (all rows when there are none)."""
    if not prefixes:
        return pl.lit(True)
    return pl.any_horizontal([pl.col("scian").str.starts_with(p) for p in prefixes])


def aggregate(
    establishments: pl.DataFrame | pl.LazyFrame,
    *,
    prefixes: Sequence[str] = (),
    level: str = "class",
    states: Sequence[str] | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The tables of the map: (by state, by state x SCIAN code at ``level``, the selected establishments).

    ``prefixes`` selects the sector (none: every establishment); ``states`` (2-digit codes) some states.
    The third table holds the selected rows (``scian``, ``band``, bounds, ``lat``, ``lon``...) for the map.
    """
    digits = level_digits(level)
    frame = establishments.lazy().select(COLUMNS).filter(in_sector(prefixes))
    if states is not None:
        frame = frame.filter(pl.col("state").is_in(list(states)))
    frame = frame.with_columns(
        _midpoint().alias("_mid"),
        pl.col("scian").str.slice(0, digits).alias("code"),
    )
    selected = frame.collect()
    by_state = (
        selected.lazy()
        .group_by("state")
        .agg(pl.col("state_name").drop_nulls().first(), *_measures())
        .sort("state")
        .collect()
    )
    names = [pl.col("activity").drop_nulls().first().alias("activity")] if digits == 6 else []
    by_code = (
        selected.lazy()
        .group_by("state", "code")
        .agg(pl.col("state_name").drop_nulls().first(), *names, *_measures())
        .rename({"code": "scian"})
        .sort("state", "scian")
        .collect()
    )
    if digits != 6:
        by_code = by_code.with_columns(pl.lit(None, dtype=pl.String).alias("activity"))
    order = ["state", "state_name", "scian", "activity"]
    by_code = by_code.select(*order, *[c for c in by_code.columns if c not in order])
    return by_state, by_code, selected.drop("_mid", "code")


def totals(by_state: pl.DataFrame) -> dict[str, float | int | None]:
    """The national figures: sums over the states (null when any state's figure is unknown)."""
    out: dict[str, float | int | None] = {}
    for column in ("establishments", "employees_low", "employees_mid", "employees_high", "in_parks", "employees_mid_in_parks"):
        values = by_state.get_column(column)
        if values.null_count():
            out[column] = None
        else:
            total = values.sum()
            out[column] = float(total) if values.dtype.is_float() else int(total)
    return out


def h3_cells(selected: pl.DataFrame, resolution: int = CELL_RESOLUTION) -> pl.DataFrame:
    """Establishments with coordinates per h3 cell (``cell``, ``lat``, ``lon`` of its centre, ``establishments``,
    ``employees_mid``), largest first.

    h3 indexes one point per call (about 3 s per 657,000 points here), so this runs for the report only, on the
    sector's rows, with h3's integer API; only the cells found are turned into text. (Deduplicating the
    coordinates first costs more than it saves: a join on float keys.)
    """
    import h3.api.basic_int as h3_int

    located = selected.filter(pl.col("lat").is_not_null() & pl.col("lon").is_not_null())
    if located.height == 0:
        return pl.DataFrame(
            schema={"cell": pl.String, "lat": pl.Float64, "lon": pl.Float64, "establishments": pl.Int64, "employees_mid": pl.Float64}
        )
    index = h3_int.latlng_to_cell
    cells = [
        index(lat, lon, resolution)
        for lat, lon in zip(located.get_column("lat").to_list(), located.get_column("lon").to_list(), strict=True)
    ]
    counted = (
        located.with_columns(pl.Series("_cell", cells, dtype=pl.UInt64))
        .with_columns(_midpoint().alias("_mid"))
        .group_by("_cell")
        .agg(pl.len().cast(pl.Int64).alias("establishments"), _known_sum("_mid").alias("employees_mid"))
    )
    found = counted.get_column("_cell").to_list()
    centres = [h3_int.cell_to_latlng(c) for c in found]
    return (
        counted.with_columns(
            pl.Series("cell", [h3_int.int_to_str(c) for c in found], dtype=pl.String),
            pl.Series("lat", [c[0] for c in centres], dtype=pl.Float64),
            pl.Series("lon", [c[1] for c in centres], dtype=pl.Float64),
        )
        .select("cell", "lat", "lon", "establishments", "employees_mid")
        .sort("establishments", "cell", descending=[True, False])
    )


def notes_of(selected: pl.DataFrame) -> tuple[str, ...]:
    """What the reader must know about the figures: the open band, unknown bounds, missing coordinates."""
    notes = []
    open_band = selected.filter(pl.col("band") == 7)
    if open_band.height:
        highs = open_band.get_column("employees_high").drop_nulls().unique().sort().to_list()
        bound = (
            "unknown (null in the edition)"
            if not highs
            else (f"{highs[0]}" if len(highs) == 1 else f"{highs[0]} to {highs[-1]}")
        )
        notes.append(
            f"{open_band.height} establishment(s) in the open band '251 y más personas': their high bound is the "
            f"import's calibration ({bound}), so the high and mid employment include it"
        )
    unknown = selected.filter(pl.col("employees_low").is_null() | pl.col("employees_high").is_null()).height
    if unknown:
        notes.append(f"{unknown} establishment(s) with an unknown employment bound: their groups' sums are null")
    unknown_park = selected.get_column("in_industrial_park").null_count()
    if unknown_park:
        notes.append(f"{unknown_park} establishment(s) with unknown park membership: their groups' park counts are null")
    missing = selected.filter(pl.col("lat").is_null() | pl.col("lon").is_null()).height
    if missing:
        notes.append(f"{missing} establishment(s) without coordinates: counted in the tables, not on the map")
    return tuple(notes)


def build_map(
    establishments: pl.DataFrame | pl.LazyFrame,
    *,
    sector: Sector | None = None,
    level: str = "class",
    states: Sequence[str] | None = None,
    edition: str | None = None,
    cell_resolution: int | None = None,
) -> CapacityMap:
    """The :class:`CapacityMap` of ``establishments`` (a frame in the schema's columns); ``cell_resolution``
    also counts the establishments per h3 cell of that resolution (for the map)."""
    by_state, by_code, selected = aggregate(
        establishments, prefixes=sector.prefixes if sector else (), level=level, states=states
    )
    cells = h3_cells(selected, cell_resolution) if cell_resolution is not None else None
    return CapacityMap(
        sector=sector.name if sector else None,
        sector_title=sector.title if sector else "All activities in the edition",
        scian_prefixes=sector.prefixes if sector else (),
        level=level,
        edition=edition,
        states=by_state,
        classes=by_code,
        totals=totals(by_state),
        notes=notes_of(selected),
        cells=cells,
        cell_resolution=cell_resolution,
        selected_states=tuple(states) if states is not None else None,
    )


def capacity_map(
    data: str | Path | None = None,
    *,
    sector: Sector | None = None,
    level: str = "class",
    states: Sequence[str] | None = None,
    cell_resolution: int | None = None,
) -> CapacityMap:
    """The capacity map of the DENUE edition in use in the data directory ``data`` (see
    :func:`allyshore.capacity.schema.data_dir`); :class:`~allyshore.capacity.establishments.NoEditionError`
    when none was imported."""
    from allyshore.capacity.establishments import current_edition, scan_establishments

    level_digits(level)
    for state in states or ():
        if not (len(state) == 2 and state.isdigit() and 1 <= int(state) <= 32):
            raise InputError(f"--state '{state}': give the 2-digit INEGI state code, 01 (Aguascalientes) to 32 (Zacatecas)")
    edition = current_edition(data).name
    frame = scan_establishments(data, states=states, columns=COLUMNS)
    return build_map(frame, sector=sector, level=level, states=states, edition=edition, cell_resolution=cell_resolution)
