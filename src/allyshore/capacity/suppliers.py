"""A user's own supplier list, read for resolution against DENUE (:mod:`allyshore.capacity.resolve`).

The list is a CSV file (UTF-8; another encoding is read with a warning) or the first sheet of an ``.xlsx``
workbook, with a header row. Columns (header names are matched case- and accent-insensitively, and the
aliases of :data:`SUPPLIER_COLUMNS` are accepted):

=====================  ========  ==============================================================================
column                 required  meaning
=====================  ========  ==============================================================================
``name``               yes       the supplier's trade or legal name (legal form optional)
``municipality``       yes [1]_  municipality (municipio) name as INEGI writes it; accents and case are ignored
``state``              no        state: INEGI 2-digit code (``01``) or name; narrows a municipality name shared
                                 by several states
``address``            no        street and number; used only to separate establishments of one name
``postal_code``        no        kept in the output
``scian``              no        SCIAN code (2 to 6 digits) the user files the supplier under; narrows the block
``lat`` / ``lon``      no        coordinates (decimal degrees); block by h3 cells around them
``supplier_id``        no        the user's own key, kept in the output
``rfc``                no        Mexican tax id, kept in the output (DENUE does not publish RFCs)
``expected_establishment_id``  no  a known answer (blank = known to be absent): turns on the evaluation
=====================  ========  ==============================================================================

.. [1] unless the list has ``lat`` and ``lon`` columns; a row may leave it blank when it gives both.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Final

import polars as pl

from allyshore.errors import InputError, Problem, ValidationError

TABLE: Final = "suppliers"

#: Canonical column -> accepted header names (compared upper-case, accents and punctuation dropped).
SUPPLIER_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "supplier_id": ("supplier_id", "id", "supplier", "proveedor_id", "clave", "code", "vendor_id"),
    "name": (
        "name",
        "supplier_name",
        "nombre",
        "nombre_proveedor",
        "proveedor",
        "razon_social",
        "raz_social",
        "nom_estab",
        "company",
        "empresa",
        "vendor",
        "vendor_name",
    ),
    "address": ("address", "direccion", "domicilio", "street", "calle"),
    "municipality": ("municipality", "municipio", "mun", "city", "ciudad", "alcaldia", "nom_mun"),
    "state": ("state", "estado", "entidad", "cve_ent", "state_code"),
    "postal_code": ("postal_code", "cp", "codigo_postal", "cod_postal", "zip", "zip_code"),
    "scian": ("scian", "codigo_act", "clase_actividad", "naics", "activity_code"),
    "rfc": ("rfc", "tax_id"),
    "lat": ("lat", "latitude", "latitud"),
    "lon": ("lon", "lng", "long", "longitude", "longitud"),
    "expected_establishment_id": ("expected_establishment_id", "true_establishment_id", "expected_id"),
}
REQUIRED: Final = ("name", "municipality")


def _header_key(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(c if c.isalnum() else "_" for c in plain.strip().lower()).strip("_")


_ALIASES: Final = {_header_key(alias): canonical for canonical, names in SUPPLIER_COLUMNS.items() for alias in names}


def _canonical_columns(headers: list[str], source: str) -> dict[str, str]:
    """File header -> canonical column, for the headers that name one; errors for duplicates and missing ones."""
    mapping: dict[str, str] = {}
    seen: dict[str, str] = {}
    problems: list[Problem] = []
    for header in headers:
        canonical = _ALIASES.get(_header_key(header))
        if canonical is None:
            continue
        if canonical in seen:
            problems.append(
                Problem(
                    TABLE,
                    f"columns '{seen[canonical]}' and '{header}' both mean '{canonical}'",
                    row=1,
                    column=header,
                    source=source,
                    hint="keep one of them",
                )
            )
            continue
        seen[canonical] = header
        mapping[header] = canonical
    needed = [c for c in REQUIRED if not (c == "municipality" and "lat" in seen and "lon" in seen)]
    for column in needed:
        if column not in seen:
            aliases = ", ".join(SUPPLIER_COLUMNS[column])
            problems.append(
                Problem(
                    TABLE,
                    f"missing column '{column}'",
                    row=1,
                    column=column,
                    source=source,
                    hint=f"add a header named one of: {aliases}",
                )
            )
    if problems:
        raise ValidationError(problems, what="supplier list")
    return mapping


def _read_csv(path: Path, problems: list[Problem]) -> pl.DataFrame:
    from allyshore.io.limits import ReadLimits, check_file_size
    from allyshore.io.tables import decode_text

    check_file_size(path, ReadLimits.from_env())
    text = decode_text(path.read_bytes(), TABLE, str(path), problems)
    if text is None:
        raise ValidationError(problems, what="supplier list")
    first = text.split("\n", 1)[0]
    separator = max((",", ";", "\t", "|"), key=first.count)
    try:
        return pl.read_csv(text.encode("utf-8"), separator=separator, infer_schema=False, truncate_ragged_lines=False)
    except pl.exceptions.PolarsError as exc:
        raise InputError(f"{path}: cannot read the supplier list as CSV ({str(exc).splitlines()[0]})") from None


def _read_xlsx(path: Path) -> pl.DataFrame:
    from openpyxl import load_workbook

    from allyshore.io.limits import ReadLimits, check_file_size, check_zip

    limits = ReadLimits.from_env()
    check_file_size(path, limits)
    check_zip(path, limits)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise InputError(f"{path}: cannot read the workbook ({exc})") from None
    try:
        rows = list(book.worksheets[0].iter_rows(values_only=True))
    finally:
        book.close()
    if not rows:
        raise InputError(f"{path}: the first sheet is empty; put the header in row 1")
    headers = ["" if h is None else str(h) for h in rows[0]]
    data = {
        h or f"column_{i + 1}": [None if r[i] is None else str(r[i]) for r in rows[1:]] for i, h in enumerate(headers)
    }
    return pl.DataFrame(data, schema=dict.fromkeys(data, pl.String))


def read_suppliers(path: str | Path) -> tuple[pl.DataFrame, list[Problem]]:
    """The supplier list at ``path`` in the canonical columns (text; absent optional ones null), with ``row``
    (the file's row number: the header is row 1), and any warnings (an encoding other than UTF-8)."""
    file = Path(path)
    if not file.is_file():
        raise InputError(f"{file}: no such supplier list (give a CSV file or an .xlsx workbook)")
    problems: list[Problem] = []
    raw = _read_xlsx(file) if file.suffix.lower() in (".xlsx", ".xlsm") else _read_csv(file, problems)
    return canonical_suppliers(raw, str(file)), [p for p in problems if p.severity != "error"]


def canonical_suppliers(raw: pl.DataFrame, source: str = TABLE) -> pl.DataFrame:
    """A supplier table with any accepted headers, in the canonical columns, checked row by row."""
    mapping = _canonical_columns(list(raw.columns), source)
    frame = raw.select(pl.col(h).cast(pl.String).str.strip_chars().alias(c) for h, c in mapping.items())
    frame = frame.with_columns(
        pl.when(pl.col(c).str.len_chars() > 0).then(pl.col(c)).otherwise(None) for c in frame.columns
    )
    missing = [c for c in SUPPLIER_COLUMNS if c not in frame.columns]
    frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(c) for c in missing)
    frame = frame.with_row_index("row", offset=2).with_columns(pl.col("row").cast(pl.Int64))
    frame = frame.select("row", *SUPPLIER_COLUMNS)
    reverse = {c: h for h, c in mapping.items()}
    _check_rows(frame, source, reverse)
    return frame.with_columns(pl.col("lat").cast(pl.Float64), pl.col("lon").cast(pl.Float64))


def _check_rows(frame: pl.DataFrame, source: str, headers: dict[str, str]) -> None:
    problems: list[Problem] = []

    def flag(mask: pl.Series, column: str, message: str, hint: str) -> None:
        for row in frame.filter(mask).get_column("row").head(20).to_list():
            problems.append(
                Problem(TABLE, message, row=row, column=headers.get(column, column), source=source, hint=hint)
            )

    lat = frame.get_column("lat").cast(pl.Float64, strict=False)
    lon = frame.get_column("lon").cast(pl.Float64, strict=False)
    has_point = lat.is_not_null() & lon.is_not_null()
    flag(frame.get_column("name").is_null(), "name", "the name is blank", "give the supplier's name")
    flag(
        frame.get_column("municipality").is_null() & ~has_point,
        "municipality",
        "neither a municipality nor coordinates",
        "give the municipality (or lat and lon)",
    )
    for column, values, low, high in (("lat", lat, 14.0, 33.0), ("lon", lon, -119.0, -86.0)):
        given = frame.get_column(column).is_not_null()
        flag(given & values.is_null(), column, "not a number", "write decimal degrees, e.g. 21.88 and -102.29")
        flag(
            (values < low) | (values > high),
            column,
            f"outside Mexico ({low} to {high})",
            "check the sign and the order of lat and lon",
        )
    flag(
        frame.get_column("lat").is_null() != frame.get_column("lon").is_null(),
        "lat",
        "only one of lat and lon is given",
        "give both or neither",
    )
    scian = frame.get_column("scian")
    flag(
        scian.is_not_null() & ~scian.str.contains(r"^[0-9]{2,6}$"),
        "scian",
        "not a SCIAN code",
        "write 2 to 6 digits, e.g. 3363 or 336390",
    )
    if problems:
        raise ValidationError(problems, what="supplier list")
