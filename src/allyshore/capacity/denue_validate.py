"""Turn DENUE rows (text columns named by their mnemonics) into the stored establishment columns, and find
the rows that cannot be used: each problem located by file, row and column, with the fix.

Checks (all vectorised over a batch):

* ``codigo_act``: six digits, in a SCIAN sector (the 2-digit sectors of SCIAN 2018, shipped in
  ``allyshore/data/capacity/scian_sectors.csv`` by ``scripts/build_scian_sectors.py``). No list of the
  6-digit SCIAN 2018 classes is shipped, so a well-formed code in a real sector is accepted unchecked.
* ``per_ocu``: one of the seven strata (as labels of any edition, or codes 1-7).
* ``latitud`` / ``longitud``: numbers inside Mexico's bounding box (:data:`MEXICO_BOX`).
* ``cve_ent``: a state code 01-32.
* ``id`` / ``clee``: present, and not repeated anywhere in the import (:class:`SeenKeys`).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Final

import numpy as np
import polars as pl

from allyshore.capacity.denue_read import fold
from allyshore.capacity.schema import BANDS, ESTABLISHMENT_COLUMNS
from allyshore.errors import Problem

__all__ = [
    "MEXICO_BOX",
    "OPEN_BAND_ALPHA",
    "OPEN_BAND_HIGH",
    "OPEN_BAND_QUANTILE",
    "SeenKeys",
    "drop_duplicates",
    "open_band_high",
    "scian_sectors",
    "to_establishments",
]

#: Mexico's extreme points, rounded outwards: north 32°43' N (Baja California), south 14°32' N (Suchiate
#: river, Chiapas), east 86°42' W (Isla Mujeres), west 118°27' W (Isla Guadalupe). A gross check: the box
#: also holds parts of the United States, Guatemala and Belize (docs/capacity.md).
MEXICO_BOX: Final = {"lat_min": 14.5, "lat_max": 32.75, "lon_min": -118.5, "lon_max": -86.7}

#: The open stratum "251 y más" is calibrated as a Pareto tail above 251 persons with shape alpha
#: (Axtell 2001, Science 293:1818, firm sizes by employees: alpha about 1.06); its upper bound is the
#: tail's 90th percentile, 251 * 10 ** (1 / alpha). An assumption, stated in docs/capacity.md.
OPEN_BAND_ALPHA: Final = 1.06
OPEN_BAND_QUANTILE: Final = 0.90


def open_band_high(alpha: float = OPEN_BAND_ALPHA, quantile: float = OPEN_BAND_QUANTILE) -> int:
    """The upper bound given to the open stratum: the ``quantile`` of a Pareto tail above 251 with shape ``alpha``.

    >>> open_band_high()  # 251 * 10 ** (1 / 1.06) = 251 * 8.777 = 2203.0
    2203
    """
    low = BANDS[7][1]
    bound: float = low * (1.0 - quantile) ** (-1.0 / alpha)
    return round(bound)


OPEN_BAND_HIGH: Final = open_band_high()

#: State codes of Mexico's 32 federal entities.
STATE_CODES: Final = tuple(f"{n:02d}" for n in range(1, 33))

_MAX_PROBLEMS_KEPT: Final = 50


@cache
def scian_sectors() -> dict[str, str]:
    """SCIAN 2018 sector code (2 digits; 31, 32, 33 and 48, 49 each their own) -> name."""
    text = (resources.files("allyshore") / "data" / "capacity" / "scian_sectors.csv").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    return {row["sector"]: row["name"] for row in csv.DictReader(lines)}


def _band_labels() -> dict[str, int]:
    labels: dict[str, int] = {}
    for code, (label, low, high) in BANDS.items():
        labels[fold(label)] = code
        labels[str(code)] = code
        labels[fold(label).removesuffix(" personas")] = code
        if high is not None:
            labels[f"{low} a {high}"] = code
    return labels


_BAND_LABELS: Final = _band_labels()


@dataclass(frozen=True)
class BatchOutcome:
    """One batch mapped: the establishments kept (stored columns plus ``_row``), the rows rejected, and the
    first problems (with their total count)."""

    kept: pl.DataFrame
    bad_rows: int
    problems: tuple[Problem, ...]
    problem_count: int


def _pad(column: str, width: int) -> pl.Expr:
    """A numeric code padded to ``width`` digits with leading zeros (JSON gives 1 for "01"); other text kept."""
    col = pl.col(column)
    return pl.when(col.str.contains(r"^\d+$")).then(col.str.zfill(width)).otherwise(col)


def _joined(*columns: str) -> pl.Expr:
    return pl.concat_str([pl.col(c) for c in columns], separator=" ", ignore_nulls=True).str.strip_chars()


_PARK_PATTERN: Final = r"(?i)(PARQUE|CORREDOR|ZONA|CIUDAD|COMPLEJO|POLO)\s+INDUSTRIAL"


def to_establishments(raw: pl.DataFrame, first_row: int, source: str, sectors: tuple[str, ...] | None) -> BatchOutcome:
    """Map one batch of raw DENUE rows to the stored columns and check them.

    ``sectors`` (code prefixes such as ``("31", "32", "33")``) keeps only those activities; rows left out
    by it are not problems. The returned ``kept`` frame has the columns of
    :data:`~allyshore.capacity.schema.ESTABLISHMENT_COLUMNS` and ``_row`` (the row number in the file)."""
    frame = raw.with_row_index("_i").with_columns((pl.col("_i").cast(pl.Int64) + first_row).alias("_row"))
    if sectors:
        frame = frame.filter(pl.col("codigo_act").str.starts_with(sectors[0]).or_(
            *[pl.col("codigo_act").str.starts_with(s) for s in sectors[1:]]
        ))
    ubicacion = pl.col("ubicacion").str.split(",").list.eval(pl.element().str.strip_chars())
    clee = pl.col("clee")
    area = pl.col("areageo")
    lat = pl.col("latitud").str.replace(",", ".").cast(pl.Float64, strict=False)
    lon = pl.col("longitud").str.replace(",", ".").cast(pl.Float64, strict=False)
    labels = frame.get_column("per_ocu").drop_nulls().unique().to_list()  # a handful: fold each once
    band = pl.col("per_ocu").replace_strict(
        {label: _BAND_LABELS.get(fold(label)) for label in labels}, default=None, return_dtype=pl.Int8
    )
    low = band.replace_strict({k: v[1] for k, v in BANDS.items()}, default=None, return_dtype=pl.Int32)
    high = band.replace_strict(
        {k: (v[2] if v[2] is not None else OPEN_BAND_HIGH) for k, v in BANDS.items()},
        default=None,
        return_dtype=pl.Int32,
    )
    park_text = pl.concat_str(
        [pl.col("tipoCenCom"), pl.col("nom_CenCom"), pl.col("tipo_asent"), pl.col("nomb_asent")],
        separator=" | ",
        ignore_nulls=True,
    )
    mapped = frame.with_columns(
        pl.col("id").alias("establishment_id"),
        pl.col("nom_estab").alias("name"),
        pl.col("raz_social").alias("legal_name"),
        pl.col("codigo_act").alias("scian"),
        pl.col("nombre_act").alias("activity"),
        band.alias("band"),
        low.alias("employees_low"),
        high.alias("employees_high"),
        pl.coalesce(_pad("cve_ent", 2), clee.str.slice(0, 2), area.str.slice(0, 2)).alias("state"),
        pl.coalesce(pl.col("entidad"), ubicacion.list.get(-1, null_on_oob=True)).alias("state_name"),
        pl.coalesce(_pad("cve_mun", 3), clee.str.slice(2, 3), area.str.slice(2, 3)).alias("municipality_code"),
        pl.coalesce(pl.col("municipio"), ubicacion.list.get(-2, null_on_oob=True)).alias("municipality"),
        pl.coalesce(
            pl.col("localidad"),
            ubicacion.list.slice(0, ubicacion.list.len() - 2).list.join(", ").replace("", None),
        ).alias("locality"),
        _joined("tipo_vial", "nom_vial", "numero_ext", "letra_ext", "numero_int")
        .replace("", None)
        .alias("_street"),
        _pad("cod_postal", 5).alias("postal_code"),
        pl.col("tipoCenCom").alias("park_type"),
        pl.col("nom_CenCom").alias("park_name"),
        park_text.str.contains(_PARK_PATTERN).alias("in_industrial_park"),
        lat.alias("lat"),
        lon.alias("lon"),
        pl.col("fecha_alta").alias("added"),
    ).with_columns(
        pl.concat_str([pl.col("_street"), pl.col("nomb_asent")], separator=", ", ignore_nulls=True)
        .replace("", None)
        .alias("address"),
    )
    checks = _checks(mapped)
    bad = pl.any_horizontal([mask.fill_null(False) for _, _, mask, _ in checks])
    flagged = mapped.with_columns(bad.alias("_bad"))
    problems, count = _problems(flagged, checks, source)
    kept = flagged.filter(~pl.col("_bad")).select([*ESTABLISHMENT_COLUMNS, "_row"])
    bad_rows = flagged.height - kept.height
    return BatchOutcome(kept, bad_rows, problems, count)


def _checks(frame: pl.DataFrame) -> list[tuple[str, str, pl.Expr, str]]:
    """(column, message, failing-row mask, fix) for every check."""
    sectors = list(scian_sectors())
    code = pl.col("scian")
    box = MEXICO_BOX
    return [
        ("codigo_act", "not a 6-digit SCIAN class code", code.is_null() | ~code.str.contains(r"^\d{6}$"),
         "give the 6-digit SCIAN 2018 class of the main activity"),
        ("codigo_act", "unknown SCIAN sector",
         code.str.contains(r"^\d{6}$") & ~code.str.slice(0, 2).is_in(sectors),
         f"the first two digits must be a SCIAN sector ({', '.join(sectors)})"),
        ("per_ocu", "unknown employment stratum", pl.col("band").is_null(),
         "use one of the 7 DENUE strata, e.g. '0 a 5 personas' ... '251 y más personas' (or codes 1-7)"),
        ("latitud", "latitude missing or not a number", pl.col("lat").is_null() | pl.col("lat").is_nan(),
         "give decimal degrees, e.g. 21.88"),
        ("longitud", "longitude missing or not a number", pl.col("lon").is_null() | pl.col("lon").is_nan(),
         "give decimal degrees, west negative, e.g. -102.29"),
        ("latitud", "coordinates outside Mexico",
         (pl.col("lat") < box["lat_min"]) | (pl.col("lat") > box["lat_max"])
         | (pl.col("lon") < box["lon_min"]) | (pl.col("lon") > box["lon_max"]),
         f"Mexico lies within latitude {box['lat_min']}..{box['lat_max']}, longitude "
         f"{box['lon_min']}..{box['lon_max']}; swapped or unsigned coordinates?"),
        ("cve_ent", "unknown state code", pl.col("state").is_null() | ~pl.col("state").is_in(STATE_CODES),
         "state codes are 01 (Aguascalientes) to 32 (Zacatecas)"),
        ("id", "record without id or clee", pl.col("establishment_id").is_null() & pl.col("clee").is_null(),
         "every DENUE record has an id and a clee"),
    ]  # fmt: skip


_SHOWN: Final = {"codigo_act": "scian", "per_ocu": "per_ocu", "latitud": "latitud", "longitud": "longitud",
                 "cve_ent": "state", "id": "establishment_id"}  # fmt: skip


def _problems(
    frame: pl.DataFrame, checks: list[tuple[str, str, pl.Expr, str]], source: str
) -> tuple[tuple[Problem, ...], int]:
    found: list[Problem] = []
    tallies = frame.select([mask.fill_null(False).sum().alias(str(i)) for i, (_, _, mask, _) in enumerate(checks)])
    count = int(sum(tallies.row(0)))
    for (column, message, mask, fix), tally in zip(checks, tallies.row(0), strict=True):
        room = _MAX_PROBLEMS_KEPT - len(found)
        if room <= 0 or not tally:
            continue
        shown = _SHOWN[column] if message != "coordinates outside Mexico" else "lat"
        failing = frame.filter(mask.fill_null(False)).head(room)
        for row, value, lat_v, lon_v in failing.select("_row", pl.col(shown).alias("_value"), "lat", "lon").iter_rows():
            if message == "coordinates outside Mexico":
                text = f"{message} ({_num(lat_v)}, {_num(lon_v)})"
            else:
                text = f"{message} {value!r}" if value is not None else f"{message} (blank)"
            found.append(Problem("denue", text, row=row, column=column, hint=fix, source=source))
    return tuple(found), count


def _num(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) and math.isfinite(value) else str(value)


class SeenKeys:
    """The ``id`` and ``clee`` of the rows kept so far, as sorted 64-bit hashes (16 bytes a row, so the 5.8
    million rows of the whole DENUE take about 93 MB), to find a key repeated anywhere in an import without
    holding the keys themselves. Two different keys share a hash with a chance of about n^2 / 2^65 (one in
    a million for the whole DENUE); such a pair would be reported as a duplicate, never missed."""

    def __init__(self) -> None:
        self._ids = np.empty(0, dtype=np.uint64)
        self._clees = np.empty(0, dtype=np.uint64)

    @staticmethod
    def _hashes(column: pl.Series) -> np.ndarray:
        hashes: np.ndarray = column.hash(seed=_HASH_SEED).to_numpy()
        return hashes

    def _repeated(self, column: pl.Series, seen: np.ndarray) -> np.ndarray:
        present = column.is_not_null().to_numpy()
        hashes = self._hashes(column)
        earlier = np.zeros(len(column), dtype=bool)
        if seen.size:
            at = np.searchsorted(seen, hashes).clip(0, seen.size - 1)
            earlier = seen[at] == hashes
        within = pl.Series(hashes).is_first_distinct().not_().to_numpy()
        repeated: np.ndarray = present & (earlier | within)
        return repeated

    def duplicates(self, kept: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Masks of the rows of ``kept`` whose ``establishment_id`` / ``clee`` came earlier (in this batch or before)."""
        return self._repeated(kept["establishment_id"], self._ids), self._repeated(kept["clee"], self._clees)

    def add(self, kept: pl.DataFrame) -> None:
        ids = kept["establishment_id"].drop_nulls()
        clees = kept["clee"].drop_nulls()
        self._ids = np.sort(np.concatenate([self._ids, self._hashes(ids)]), kind="stable")
        self._clees = np.sort(np.concatenate([self._clees, self._hashes(clees)]), kind="stable")


_HASH_SEED: Final = 20_181_231


def drop_duplicates(kept: pl.DataFrame, seen: SeenKeys, source: str, room: int) -> tuple[pl.DataFrame, list[Problem], int]:
    """``kept`` without the rows whose ``id`` or ``clee`` an earlier row has (the first one stays), the first
    ``room`` problems for them and their count; the rows left are added to ``seen``."""
    dup_id, dup_clee = seen.duplicates(kept)
    repeated = dup_id | dup_clee
    problems: list[Problem] = []
    if repeated.any():
        rows = kept.filter(pl.Series(repeated)).with_columns(
            pl.Series("_dup_id", dup_id[repeated])
        )
        for row, ident, clee, by_id in rows.head(max(room, 0)).select(
            "_row", "establishment_id", "clee", "_dup_id"
        ).iter_rows():
            column, value = ("id", ident) if by_id else ("clee", clee)
            problems.append(
                Problem(
                    "denue", f"duplicate {column} {value!r} (an earlier row has it)", row=row, column=column,
                    hint="each establishment appears once: remove the repeated row, or import one edition at a time",
                    source=source,
                )
            )  # fmt: skip
        kept = kept.filter(~pl.Series(repeated))
    seen.add(kept)
    return kept, problems, int(repeated.sum())
