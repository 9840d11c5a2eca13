"""Readers of world input-output tables: the WIOD 2013 release in its CSV extract, any newer inter-country
table a user writes in the same layout, and the text layout of pymrio's test system.

**WIOD CSV layout** (a folder; ``YEAR`` four digits; every file may be gzip-compressed, ``.csv.gz``):

``wiotYEAR_Z_intermediate.csv``
    Intermediate use, n x n. Header row: an empty first cell, then one label per using country-sector,
    ``<REGION>_<SECTOR>`` (split at the first ``_``: region codes have none, e.g. ``MEX_c15``). Each following
    row: the supplying country-sector's label, then n numbers. The row labels are the column labels in the same
    order, region-major (every region lists the same sectors in the same order).
``wiotYEAR_Y_final.csv``
    Final demand, n rows (the same labels in the same order) x one column per destination region and
    category, ``<REGION>_<CATEGORY>`` (e.g. ``USA_CONS_h``, ``USA_GFCF``); the categories are summed per region.
``wiotYEAR_x_output.csv`` (optional)
    Columns ``country_industry, gross_output``: the published gross output, compared with ``Z 1 + Y 1``.
``wiotYEAR_va.csv`` (optional)
    Columns ``country_industry, value_added``: value added at basic prices. Without it the value-added
    coefficients balance the table (``v = 1 - column sums of A``; see :mod:`allyshore.tiva.iomath`).
``*_sectors.csv`` (optional)
    Sector code in the first column, its description in the last (e.g. ``c15`` ->
    ``Transport Equipment``).

Units are whatever the table uses (WIOD 2013: current US dollars, millions), the same in every file. Every
cell must be a number: an empty or unreadable cell is an error naming its file, row and column.

**pymrio text layout** (pymrio's ``mrio_data`` folder, tab-separated): ``trade_flows_Z.txt`` with header rows
(region, sector; a header row has an empty first cell) and three label columns (region, sector, unit);
``finald_demand_Y.txt`` with header rows (region, category) and the same three label columns; optionally ``factor_input.txt`` (two header rows,
label columns stressor and unit) whose ``Value Added`` row is read as value added.
"""

from __future__ import annotations

import gzip
import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import numpy as np
import polars as pl

from allyshore.errors import InputError, NotFoundError
from allyshore.io.data_dir import data_dir
from allyshore.results import NOT_IN_JSON
from allyshore.tiva.iomath import Array, Index

__all__ = [
    "DIR_ENV",
    "TABLES",
    "WIOD_URL",
    "IOTable",
    "locate_table",
    "read_pymrio_text",
    "read_table",
    "read_wiod_csv",
]

#: Where a table's folder is looked for when no ``--dir`` is given (before the data directory).
DIR_ENV: Final = "ALLYSHORE_TIVA_DIR"
#: The WIOD 2013 release (Timmer et al. 2015), where its world input-output tables are published.
WIOD_URL: Final = "https://www.rug.nl/ggdc/valuechain/wiod/wiod-2013-release"
#: Named tables: name -> (folder name under DATA/tiva, year, description).
TABLES: Final[dict[str, tuple[str, int, str]]] = {
    "wiod2013-2011": (
        "wiod2013_wiot_2011",
        2011,
        "WIOD 2013 release, world input-output table 2011 (41 regions x 35 industries, current USD millions)",
    ),
}


@dataclass(frozen=True)
class IOTable:
    """An inter-country input-output table: regions x sectors in region-major order."""

    name: str
    year: int | None
    unit: str
    regions: tuple[str, ...]
    sectors: tuple[str, ...]
    Z: Array = field(repr=False, metadata=NOT_IN_JSON)
    Y: Array = field(repr=False, metadata=NOT_IN_JSON)
    y_region: Index = field(repr=False, metadata=NOT_IN_JSON)  # the region number of each column of Y
    y_categories: tuple[str, ...] = ()
    sector_names: dict[str, str] = field(default_factory=dict)
    va: Array | None = field(default=None, repr=False, metadata=NOT_IN_JSON)
    x_published: Array | None = field(default=None, repr=False, metadata=NOT_IN_JSON)
    source: str = ""

    @property
    def n(self) -> int:
        return len(self.regions) * len(self.sectors)

    @property
    def region(self) -> Index:
        """The region number of each country-sector (row of Z)."""
        return np.repeat(np.arange(len(self.regions), dtype=np.intp), len(self.sectors))

    @property
    def Yr(self) -> Array:
        """Final demand summed by destination region (n x G)."""
        out = np.zeros((self.n, len(self.regions)), dtype=np.float64)
        np.add.at(out.T, self.y_region, self.Y.T)
        return out

    def labels(self) -> list[str]:
        return [f"{r}_{s}" for r in self.regions for s in self.sectors]

    def region_number(self, code: str, option: str = "--reporter") -> int:
        """The number of region ``code`` (case-insensitive), or a NotFoundError listing the table's regions."""
        wanted = code.strip().upper()
        for i, r in enumerate(self.regions):
            if r.upper() == wanted:
                return i
        raise NotFoundError(
            f"{option} {code!r} is not a region of {self.name}; its regions are: {', '.join(self.regions)}"
        )


# --------------------------------------------------------------------------------------------------- locating




def locate_table(table: str = "wiod2013-2011", directory: str | Path | None = None) -> Path:
    """The folder of a table: ``directory`` when given, else ``$ALLYSHORE_TIVA_DIR``, else
    ``DATA/tiva/<folder>`` (DATA: ``$ALLYSHORE_DATA_DIR`` or the per-user data folder). A NotFoundError says
    where it looked and how to get the WIOD table."""
    if directory is not None:
        path = Path(directory)
        if not path.is_dir():
            raise NotFoundError(f"--dir {path}: no such folder (it should hold the table's CSV files; docs/tiva.md)")
        return path
    if table not in TABLES:
        raise NotFoundError(f"--table {table!r} is not known; known tables: {', '.join(TABLES)} (or give --dir DIR)")
    folder = TABLES[table][0]
    tried: list[Path] = []
    env = os.environ.get(DIR_ENV)
    if env:
        tried.append(Path(env))
    tried.append(data_dir() / "tiva" / folder)
    for path in tried:
        if path.is_dir():
            return path
    raise NotFoundError(
        f"the {table} table is not on this machine (looked in: {', '.join(str(p) for p in tried)}). "
        f"The World Input-Output Database 2013 release is published by the University of Groningen at {WIOD_URL} "
        "(Timmer, Dietzenbacher, Los, Stehrer & de Vries 2015, Review of International Economics 23:575-605; "
        "the 2011 table is also in the R package bquast/wiod as data/wiot_2011.RData). Write it in the CSV layout "
        f"of docs/tiva.md and give --dir DIR, set ${DIR_ENV}, or put it in {tried[-1]}."
    )


def read_table(path: str | Path, year: int | None = None, name: str | None = None) -> IOTable:
    """Read the table in folder ``path``: the pymrio text layout when it has ``trade_flows_Z.txt`` (or a
    ``mrio_data`` folder that has it), else the WIOD CSV layout."""
    folder = Path(path)
    if (folder / "trade_flows_Z.txt").is_file() or (folder / "mrio_data" / "trade_flows_Z.txt").is_file():
        return read_pymrio_text(folder, name=name)
    return read_wiod_csv(folder, year=year, name=name)


# ------------------------------------------------------------------------------------------------ cell parsing


def _raw_frame(path: Path, separator: str = ",") -> pl.DataFrame:
    """Every cell of a (possibly gzip-compressed) delimited file as text, no header interpreted."""
    try:
        data = path.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        return pl.read_csv(
            io.BytesIO(data), has_header=False, infer_schema_length=0, separator=separator, truncate_ragged_lines=False
        )
    except (OSError, EOFError, pl.exceptions.PolarsError) as exc:
        raise InputError(f"{path}: cannot be read as a delimited text file ({exc})") from exc


def _numbers(cells: pl.DataFrame, path: Path, first_row: int, col_labels: list[str]) -> Array:
    """The text cells as floats; an empty or non-numeric cell is an InputError naming file, row and column.
    ``first_row`` is the file row (1-based) of the first row of ``cells``."""
    parsed = cells.select(pl.all().str.strip_chars().cast(pl.Float64, strict=False))
    bad = parsed.select(pl.all().is_null().arg_true().first())
    for j, column in enumerate(parsed.columns):
        row = bad[column][0]
        if row is not None:
            text = cells[column][row]
            shown = "an empty cell" if text is None or not str(text).strip() else f"{text!r}"
            raise InputError(
                f"{path}, row {first_row + int(row)}, column '{col_labels[j]}': {shown} is not a number "
                "(every cell of the table must be a number; write 0 for no flow)"
            )
    return parsed.to_numpy().astype(np.float64, copy=False)


def _split_labels(labels: list[str], path: Path, where: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for i, label in enumerate(labels):
        region, sep, rest = (label or "").partition("_")
        if not sep or not region or not rest:
            raise InputError(
                f"{path}, {where} {i + 2}: label {label!r} is not <REGION>_<SECTOR> (e.g. MEX_c15)"
            )
        out.append((region, rest))
    return out


def _grid(pairs: list[tuple[str, str]], path: Path, where: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Regions and sectors of region-major labels; an InputError at the first label out of that order."""
    regions = tuple(dict.fromkeys(r for r, _ in pairs))
    sectors = tuple(dict.fromkeys(s for _, s in pairs))
    expected = [(r, s) for r in regions for s in sectors]
    if len(expected) != len(pairs) or expected != pairs:
        first = next((i for i, (a, b) in enumerate(zip(expected, pairs, strict=False)) if a != b), len(pairs))
        got = "_".join(pairs[first]) if first < len(pairs) else "(end of the labels)"
        want = "_".join(expected[first]) if first < len(expected) else "(no more labels)"
        raise InputError(
            f"{path}, {where} {first + 2}: label {got!r} where {want!r} was expected (the table must list every "
            f"region's {len(sectors)} sectors in the same order, region after region)"
        )
    return regions, sectors


# --------------------------------------------------------------------------------------------------- WIOD CSV


def _find(folder: Path, stem: str, required: bool = True) -> Path | None:
    for suffix in (".csv", ".csv.gz"):
        path = folder / f"{stem}{suffix}"
        if path.is_file():
            return path
    if required:
        raise NotFoundError(f"{folder}: no {stem}.csv or {stem}.csv.gz (the WIOD CSV layout of docs/tiva.md)")
    return None


def _year_of(folder: Path, year: int | None) -> int:
    if year is not None:
        return year
    years = sorted({int(m.group(1)) for p in folder.iterdir() if (m := re.match(r"wiot(\d{4})_Z_intermediate", p.name))})
    if not years:
        raise NotFoundError(
            f"{folder}: no world input-output table here (no wiotYEAR_Z_intermediate.csv(.gz), nor pymrio's "
            "trade_flows_Z.txt); give the folder of a table in the WIOD CSV or pymrio text layout (docs/tiva.md)"
        )
    if len(years) != 1:
        found = ", ".join(map(str, years))
        raise NotFoundError(
            f"{folder}: give --year: the folder has {found} wiotYEAR_Z_intermediate.csv(.gz) file(s) (docs/tiva.md)"
        )
    return years[0]


def _column_file(path: Path, labels: list[str], value_column: str) -> Array:
    frame = _raw_frame(path)
    header = [str(c) for c in frame.row(0)]
    if len(header) < 2 or header[-1].strip() != value_column:
        raise InputError(f"{path}, row 1: expected columns country_industry,{value_column}; found {','.join(header)}")
    keys = [str(k) for k in frame[:, 0].to_list()[1:]]
    if keys != labels:
        first = next((i for i, (a, b) in enumerate(zip(keys, labels, strict=False)) if a != b), min(len(keys), len(labels)))
        raise InputError(
            f"{path}, row {first + 2}, column 'country_industry': the rows must be the table's country-sectors in the "
            f"order of the Z file ({len(labels)} rows; found {len(keys)})"
        )
    return _numbers(frame[1:, -1:], path, 2, [value_column])[:, 0]


def read_wiod_csv(folder: str | Path, year: int | None = None, name: str | None = None) -> IOTable:
    """Read a world input-output table in the WIOD CSV layout (see the module's docstring)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise NotFoundError(f"{folder}: no such folder")
    year = _year_of(folder, year)
    z_path = _find(folder, f"wiot{year}_Z_intermediate")
    y_path = _find(folder, f"wiot{year}_Y_final")
    assert z_path is not None and y_path is not None
    z_raw = _raw_frame(z_path)
    col_labels = [str(c) for c in z_raw.row(0)[1:]]
    row_labels = [str(c) for c in z_raw[1:, 0].to_list()]
    if row_labels != col_labels:
        first = next(
            (i for i, (a, b) in enumerate(zip(row_labels, col_labels, strict=False)) if a != b),
            min(len(row_labels), len(col_labels)),
        )
        raise InputError(
            f"{z_path}, row {first + 2}, column 1: the row labels must repeat the header's column labels in the "
            f"same order ({len(col_labels)} columns, {len(row_labels)} rows)"
        )
    regions, sectors = _grid(_split_labels(col_labels, z_path, "column"), z_path, "column")
    Z = _numbers(z_raw[1:, 1:], z_path, 2, col_labels)

    y_raw = _raw_frame(y_path)
    y_labels = [str(c) for c in y_raw.row(0)[1:]]
    if [str(c) for c in y_raw[1:, 0].to_list()] != row_labels:
        raise InputError(f"{y_path}, column 1: the row labels must be those of {z_path.name}, in the same order")
    y_pairs = _split_labels(y_labels, y_path, "column")
    index = {r: i for i, r in enumerate(regions)}
    unknown = [f"{r}_{c}" for r, c in y_pairs if r not in index]
    if unknown:
        raise InputError(f"{y_path}, row 1: final-demand column(s) of regions not in the Z file: {', '.join(unknown[:5])}")
    Y = _numbers(y_raw[1:, 1:], y_path, 2, y_labels)

    labels = [f"{r}_{s}" for r in regions for s in sectors]
    x_path = _find(folder, f"wiot{year}_x_output", required=False)
    va_path = _find(folder, f"wiot{year}_va", required=False)
    sector_names: dict[str, str] = {}
    for path in sorted(folder.glob("*sectors.csv")):
        frame = _raw_frame(path)
        sector_names = {str(r[0]): str(r[-1]) for r in frame[1:].iter_rows() if r[0] is not None}
    return IOTable(
        name=name or f"{folder.name}",
        year=year,
        unit="USD million (current prices)",
        regions=regions,
        sectors=sectors,
        Z=Z,
        Y=Y,
        y_region=np.array([index[r] for r, _ in y_pairs], dtype=np.intp),
        y_categories=tuple(dict.fromkeys(c for _, c in y_pairs)),
        sector_names=sector_names,
        va=_column_file(va_path, labels, "value_added") if va_path else None,
        x_published=_column_file(x_path, labels, "gross_output") if x_path else None,
        source=str(folder),
    )


# ------------------------------------------------------------------------------------------ pymrio text layout


def _header_rows(frame: pl.DataFrame) -> int:
    """How many leading rows are headers: those whose first cell is empty."""
    first = frame[:, 0].to_list()
    return next((i for i, cell in enumerate(first) if cell is not None and str(cell).strip()), len(first))


def read_pymrio_text(folder: str | Path, name: str | None = None) -> IOTable:
    """Read a table in pymrio's text layout (its test system's ``mrio_data``; see the module's docstring)."""
    folder = Path(folder)
    if (folder / "mrio_data").is_dir():
        folder = folder / "mrio_data"
    z_path, y_path, f_path = (folder / n for n in ("trade_flows_Z.txt", "finald_demand_Y.txt", "factor_input.txt"))
    if not z_path.is_file() or not y_path.is_file():
        raise NotFoundError(f"{folder}: no trade_flows_Z.txt and finald_demand_Y.txt (pymrio's text layout)")
    z_raw = _raw_frame(z_path, separator="\t")
    h = _header_rows(z_raw)
    cols = [(str(a), str(b)) for a, b in zip(z_raw.row(0)[3:], z_raw.row(1)[3:], strict=True)]
    if [(str(a), str(b)) for a, b in z_raw[h:, :2].iter_rows()] != cols:
        raise InputError(f"{z_path}: the row labels (region, sector) must repeat the column labels in the same order")
    regions, sectors = _grid(cols, z_path, "column")
    labels = [f"{r}_{s}" for r, s in cols]
    Z = _numbers(z_raw[h:, 3:], z_path, h + 1, labels)
    units = {str(u) for u in z_raw[h:, 2].to_list()}

    y_raw = _raw_frame(y_path, separator="\t")
    h = _header_rows(y_raw)
    y_pairs = [(str(a), str(b)) for a, b in zip(y_raw.row(0)[3:], y_raw.row(1)[3:], strict=True)]
    if [(str(a), str(b)) for a, b in y_raw[h:, :2].iter_rows()] != cols:
        raise InputError(f"{y_path}: the row labels (region, sector) must be those of {z_path.name}, in the same order")
    index = {r: i for i, r in enumerate(regions)}
    if any(r not in index for r, _ in y_pairs):
        raise InputError(f"{y_path}, row 1: final-demand columns of regions not in {z_path.name}")
    Y = _numbers(y_raw[h:, 3:], y_path, h + 1, [f"{r}_{c}" for r, c in y_pairs])

    va: Array | None = None
    if f_path.is_file():
        f_raw = _raw_frame(f_path, separator="\t")
        if [(str(a), str(b)) for a, b in zip(f_raw.row(0)[2:], f_raw.row(1)[2:], strict=True)] != cols:
            raise InputError(f"{f_path}: the columns (region, sector) must be those of {z_path.name}, in order")
        h = _header_rows(f_raw)
        for i, row in enumerate(f_raw[h:].iter_rows()):
            if str(row[0]).strip().lower() == "value added":
                va = _numbers(f_raw[h + i : h + i + 1, 2:], f_path, h + i + 1, labels)[0]
    return IOTable(
        name=name or (folder.parent.name if folder.name == "mrio_data" else folder.name),
        year=None,
        unit=", ".join(sorted(units)),
        regions=regions,
        sectors=sectors,
        Z=Z,
        Y=Y,
        y_region=np.array([index[r] for r, _ in y_pairs], dtype=np.intp),
        y_categories=tuple(dict.fromkeys(c for _, c in y_pairs)),
        va=va,
        source=str(folder),
    )
