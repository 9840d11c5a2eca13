"""The IMMEX ledger: temporary imports by pedimento, the BOM, and the exits that discharge them.

Interface (stable; docs/immex.md):

* :func:`read_ledger` ``(path) -> Ledger`` reads ledger format v1 from a CSV folder (``programs.csv``,
  ``materials.csv``, ``products.csv``, ``bom.csv``, ``pedimentos.csv``, ``pedimento_lines.csv``,
  ``exits.csv``), a .zip of them, an XLSX workbook with a sheet per table or one JSON object with a list per
  table, by the network format's readers (:func:`allyshore.io.readers.read_tables`): the same encodings,
  header and notes-row rules, and every problem located by file, row and column in one
  :class:`~allyshore.errors.ValidationError`. A table left out is empty.
* :func:`load_ledger` ``(store_url) -> Ledger`` reads the ledger appended to the store
  (:mod:`allyshore.immex.ledger_store`).
* :func:`allyshore.immex.discharge.discharge` ``(ledger, *, mode="quantity" | "value") -> Discharges``
  (:mod:`allyshore.immex.results`): ``Discharges.frame`` has ``exit_id, kind, date, pedimento, sequence,
  material_id, quantity, value_usd``, one row per piece of an exit taken from one lot, in processing order;
  it raises :class:`allyshore.immex.discharge.ShortfallError` (an ``InputError``) on a shortfall.
* :func:`allyshore.immex.discharge.balances` ``(ledger, discharges, as_of) -> pl.DataFrame``: one row per lot
  imported on or before ``as_of``: ``pedimento, sequence, material_id, tariff_item, class, key, imported,
  discharged, balance, value_usd_balance, clock_start, deadline, days_left, origin_country`` (``deadline`` from
  :func:`allyshore.immex.terms.deadline`; null, with ``days_left``, when the term is unknown);
  :func:`allyshore.immex.discharge.balance_report` wraps it with the sums by material as the ``Balances`` result.
* :func:`lots` ``(ledger)``: the lots (lines of ITE/ITR pedimentos, rectifications applied) in FIFO order.

:class:`Ledger` is a frozen dataclass of one polars frame per table, with typed columns: text as ``String``,
dates as ``Date``, ``sequence`` as ``Int64``, and every quantity, value, factor, exchange rate and percentage as
an exact decimal held in **integer micro-units** (``Int64``, millionths: 12.5 is 12_500_000; at most six decimal
places are accepted, more is a located error, never rounded). Micro-units keep the FIFO kernel in 64-bit
integer arithmetic (exact and vectorised); :func:`to_decimal` turns one back into a :class:`~decimal.Decimal`.
Blank optional cells are nulls, except the defaults the format states (``tariff_unit_factor`` 1,
``waste_pct``/``scrap_pct`` 0, ``clock_start`` = ``date``, a line's ``tariff_item`` = its material's).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

from allyshore.countries import resolve_country
from allyshore.errors import Problem, ValidationError
from allyshore.immex.schema import (
    LEDGER_TABLES,
    MAX_WHOLE_DIGITS,
    SCALE,
    SCALE_DIGITS,
    TEMPORARY_REGIMES,
    LedgerColumn,
)
from allyshore.io.readers import ReadLimits, TableSet, read_tables
from allyshore.model.parse import RawTable, raw_from_document

__all__ = [
    "LEDGER_SET",
    "Ledger",
    "empty_ledger",
    "from_decimal",
    "ledger_from_document",
    "load_ledger",
    "parse_ledger",
    "read_ledger",
    "to_decimal",
]

#: The ledger's tables as the readers take them.
LEDGER_SET = TableSet("ledger", {name: tuple(c.name for c in cols) for name, cols in LEDGER_TABLES.items()})

_DTYPES: dict[str, pl.DataType] = {
    "text": pl.String(),
    "digits": pl.String(),
    "choice": pl.String(),
    "country": pl.String(),
    "decimal": pl.Int64(),
    "int": pl.Int64(),
    "date": pl.Date(),
}
_DECIMAL = re.compile(rf"^([+-]?)([0-9]{{1,{MAX_WHOLE_DIGITS}}})(?:\.([0-9]*))?$")


def to_decimal(micro: int | None) -> Decimal | None:
    """Micro-units as the exact decimal they stand for (trailing zeros dropped): ``to_decimal(12_500_000)`` is
    ``Decimal('12.5')``."""
    if micro is None:
        return None
    value = Decimal(int(micro)).scaleb(-SCALE_DIGITS)
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def from_decimal(value: Decimal | int | str) -> int:
    """An exact decimal (at most six places) in micro-units; raises ValueError when it has more places."""
    scaled = Decimal(value).scaleb(SCALE_DIGITS)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{value} has more than {SCALE_DIGITS} decimal places")
    return int(scaled)


@dataclass(frozen=True)
class Ledger:
    """The ledger's tables (see the module docstring for types and units) and where each row came from."""

    programs: pl.DataFrame
    materials: pl.DataFrame
    products: pl.DataFrame
    bom: pl.DataFrame
    pedimentos: pl.DataFrame
    pedimento_lines: pl.DataFrame
    exits: pl.DataFrame
    source: str = ""
    locations: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    sources: Mapping[str, str] = field(default_factory=dict)

    @property
    def tables(self) -> dict[str, pl.DataFrame]:
        return {name: getattr(self, name) for name in LEDGER_TABLES}

    def row_of(self, table: str, index: int) -> int:
        """The row number the user sees for the ``index``-th record of ``table``."""
        rows = self.locations.get(table, ())
        return rows[index] if index < len(rows) else index + 1

    def source_of(self, table: str) -> str:
        return self.sources.get(table, table)


def _empty(table: str) -> pl.DataFrame:
    return pl.DataFrame(schema={c.name: _DTYPES[c.type] for c in LEDGER_TABLES[table]})


def empty_ledger() -> Ledger:
    return Ledger(**{name: _empty(name) for name in LEDGER_TABLES})  # type: ignore[arg-type]


class _Reporter:
    def __init__(self, raw: RawTable, problems: list[Problem]) -> None:
        self.raw, self.problems = raw, problems

    def __call__(self, mask: pl.Series, column: str, message: str, hint: str, values: pl.Series | None = None) -> None:
        if not mask.any():
            return
        shown = values if values is not None else self.raw.frame.get_column(column)
        for index in mask.fill_null(False).arg_true().to_list():
            self.problems.append(
                Problem(
                    self.raw.name,
                    message.format(value=shown[index]),
                    row=self.raw.rows[index],
                    column=column,
                    source=self.raw.source,
                    hint=hint,
                )
            )


def _decimal(text: pl.Series, column: LedgerColumn, report: _Reporter) -> pl.Series:
    parts = text.str.extract_groups(_DECIMAL.pattern)
    sign, whole, frac = (parts.struct.field(n) for n in ("1", "2", "3"))
    bad = text.is_not_null() & whole.is_null()
    report(
        bad,
        column.name,
        "'{value}' is not a decimal number",
        f"write a plain decimal such as 12.5, at most {MAX_WHOLE_DIGITS} digits before the point ({column.doc})",
    )
    frac = frac.fill_null("")
    extra = frac.str.slice(SCALE_DIGITS).str.replace_all("0", "")
    long = text.is_not_null() & ~bad & (extra.str.len_chars() > 0)
    report(
        long,
        column.name,
        "'{value}' has more than " + f"{SCALE_DIGITS} decimal places",
        f"the ledger keeps exact decimals of at most {SCALE_DIGITS} places: round the figure at its source",
    )
    padded = frac.str.slice(0, SCALE_DIGITS).str.pad_end(SCALE_DIGITS, "0")
    frame = pl.DataFrame({"s": sign, "w": whole, "p": padded, "bad": bad | long})
    magnitude = pl.col("w").cast(pl.Int64, strict=False) * SCALE + pl.col("p").cast(pl.Int64, strict=False)
    micro = frame.select(
        pl.when(pl.col("bad"))
        .then(None)
        .when(pl.col("s") == "-")
        .then(-magnitude)
        .otherwise(magnitude)
        .alias(column.name)
    ).to_series()
    if column.positive:
        report(micro <= 0, column.name, "{value} must be greater than 0", column.doc)
    elif column.type == "decimal":
        report(micro < 0, column.name, "{value} must not be negative", column.doc)
    return micro.alias(column.name)


def _date(text: pl.Series, column: LedgerColumn, report: _Reporter) -> pl.Series:
    day = text.str.replace(r"[T ]00:00:00(\.0+)?$", "")
    values = day.str.strptime(pl.Date, "%Y-%m-%d", strict=False)
    ok_shape = day.str.contains(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$").fill_null(False)
    bad = text.is_not_null() & (values.is_null() | ~ok_shape)
    report(bad, column.name, "'{value}' is not a date", "write the date as YYYY-MM-DD, e.g. 2025-03-31")
    return pl.select(pl.when(bad).then(None).otherwise(values)).to_series().alias(column.name)


def _coerce(raw: RawTable, column: LedgerColumn, problems: list[Problem]) -> pl.Series:
    n = raw.frame.height
    dtype = _DTYPES[column.type]
    if column.name not in raw.frame.columns:
        if column.required and n:
            problems.append(
                Problem(
                    raw.name,
                    f"required column '{column.name}' is missing",
                    row=1,
                    column=column.name,
                    source=raw.source,
                    hint=f"add a '{column.name}' column ({column.doc}); names are exact",
                )
            )
        return pl.Series(column.name, [column.default] * n, dtype=dtype)
    text = raw.frame.get_column(column.name)
    report = _Reporter(raw, problems)
    if column.required:
        report(text.is_null(), column.name, "a value is required", column.doc)
    if column.type == "decimal":
        values = _decimal(text, column, report)
        return values.fill_null(column.default) if column.default is not None else values
    if column.type == "date":
        return _date(text, column, report)
    if column.type == "int":
        values = text.cast(pl.Int64, strict=False)
        report(text.is_not_null() & values.is_null(), column.name, "'{value}' is not a whole number", column.doc)
        report(values <= 0, column.name, "{value} must be greater than 0", column.doc)
        return values.alias(column.name)
    if column.type == "digits":
        stripped = text.str.replace(r"\.0+$", "").str.replace_all(r"[\s.\-]", "")
        ok = stripped.str.contains(rf"^[0-9]{{{column.digits}}}$")
        report(
            text.is_not_null() & ~ok.fill_null(False),
            column.name,
            "'{value}' is not " + f"{column.digits} digits",
            f"write the {column.digits} digits (spaces, dots and dashes are ignored; keep leading zeros)",
        )
        return stripped.alias(column.name)
    if column.type == "choice":
        folded = text.str.to_uppercase() if column.upper else text.str.to_lowercase()
        report(
            text.is_not_null() & ~folded.is_in(list(column.choices)),
            column.name,
            "'{value}' is not one of " + " | ".join(column.choices),
            f"use one of: {', '.join(column.choices)}",
        )
        return folded.alias(column.name)
    if column.type == "country":
        uniques = [u for u in text.unique().to_list() if u is not None]
        mapping = {u: resolve_country(u) for u in uniques}
        resolved = text.replace_strict(mapping, default=None, return_dtype=pl.String) if uniques else text
        report(
            text.is_not_null() & resolved.is_null(),
            column.name,
            "unknown country '{value}'",
            "use an ISO 3166 code (CN, CHN) or the English name",
        )
        return resolved.alias(column.name)
    return text.alias(column.name)


def _typed(name: str, raw: RawTable | None, problems: list[Problem]) -> pl.DataFrame:
    if raw is None:
        return _empty(name)
    columns = [_coerce(raw, c, problems) for c in LEDGER_TABLES[name]]
    frame = pl.DataFrame(columns)
    known = {c.name for c in LEDGER_TABLES[name]}
    for extra in raw.frame.columns:
        if extra not in known and extra.strip().lower() in known:
            problems.append(
                Problem(
                    name,
                    f"column '{extra}' is not read (names are exact: '{extra.strip().lower()}')",
                    row=1,
                    column=extra,
                    source=raw.source,
                    severity="warning",
                    hint=f"rename it '{extra.strip().lower()}'",
                )
            )
    return frame


def parse_ledger(raw: Mapping[str, RawTable], *, source: str = "", problems: list[Problem] | None = None) -> Ledger:
    """Type and validate the text tables of a ledger; raise ValidationError listing every problem."""
    from allyshore.immex.validate import check_ledger

    problems = [] if problems is None else problems
    tables = {name: _typed(name, raw.get(name), problems) for name in LEDGER_TABLES}
    ledger = Ledger(
        **tables,
        source=source,
        locations={k: v.rows for k, v in raw.items()},
        sources={k: v.source for k, v in raw.items()},
    )
    if not any(p.severity == "error" for p in problems):
        problems.extend(check_ledger(ledger))
    if any(p.severity == "error" for p in problems):
        raise ValidationError(problems)
    return _with_defaults(ledger)


def _with_defaults(ledger: Ledger) -> Ledger:
    """Fill the defaults that depend on other columns: clock_start = date, a line's tariff_item = its
    material's."""
    pedimentos = ledger.pedimentos.with_columns(pl.col("clock_start").fill_null(pl.col("date")))
    items = ledger.materials.select("material_id", pl.col("tariff_item").alias("_item"))
    lines = ledger.pedimento_lines.join(items, on="material_id", how="left", maintain_order="left").with_columns(
        pl.col("tariff_item").fill_null(pl.col("_item"))
    )
    return Ledger(
        programs=ledger.programs,
        materials=ledger.materials,
        products=ledger.products,
        bom=ledger.bom,
        pedimentos=pedimentos,
        pedimento_lines=lines.drop("_item"),
        exits=ledger.exits,
        source=ledger.source,
        locations=ledger.locations,
        sources=ledger.sources,
    )


def read_ledger(path: str | Path, *, limits: ReadLimits | None = None) -> Ledger:
    """Read and validate a ledger from a CSV folder, a .zip of CSV files, an XLSX workbook or a JSON file.

    Raises
    ------
    InputError
        The file cannot be read at all.
    ValidationError
        The ledger has problems; ``.problems`` lists each with file, row and column.
    """
    problems: list[Problem] = []
    raw = read_tables(path, LEDGER_SET, problems, limits=limits)
    return parse_ledger(raw, source=str(path), problems=problems)


def ledger_from_document(document: Mapping[str, Any], name: str = "ledger") -> Ledger:
    """A ledger given as one JSON-like object of record lists (as a .json ledger file holds it)."""
    problems: list[Problem] = []
    raw = raw_from_document(dict(document), name, problems, LEDGER_SET.tables, LEDGER_SET.what)
    return parse_ledger(raw, source=name, problems=problems)


def load_ledger(store_url: str | None = None) -> Ledger:
    """The ledger appended to the store at ``store_url`` (default ``$ALLYSHORE_DATABASE_URL`` or
    ``./allyshore.db``), with every rectification and back-dated event in it."""
    from allyshore.immex.ledger_store import load_from_store

    return load_from_store(store_url)


def lots(ledger: Ledger) -> pl.DataFrame:
    """The lots: the lines of temporary-import pedimentos (regime ITE or ITR), a rectified pedimento's lines
    replaced by those of the last pedimento rectifying it (by date, then number), which keeps the original's
    number, key and clock start. Columns: pedimento, sequence, material_id, tariff_item, quantity, value_usd,
    origin_country, key, clock_start, date."""
    heads = ledger.pedimentos.select("pedimento", "rectifies", "date")
    root = _roots(heads)
    lines = ledger.pedimento_lines.join(root, on="pedimento", how="left")
    # The last pedimento of each chain (the original when never rectified) gives the lines.
    last = (
        root.join(heads.select("pedimento", "date"), on="pedimento")
        .sort("date", "pedimento")
        .group_by("root", maintain_order=True)
        .last()
        .select(pl.col("pedimento").alias("_last"), "root")
    )
    lines = lines.join(last, on="root", how="inner").filter(pl.col("pedimento") == pl.col("_last"))
    head = ledger.pedimentos.select(pl.col("pedimento").alias("root"), "key", "regime", "clock_start", "date")
    out = lines.join(head, on="root", how="inner").filter(pl.col("regime").is_in(list(TEMPORARY_REGIMES)))
    return out.select(
        pl.col("root").alias("pedimento"),
        "sequence",
        "material_id",
        "tariff_item",
        "quantity",
        "value_usd",
        "origin_country",
        "key",
        "clock_start",
        "date",
    ).sort("clock_start", "pedimento", "sequence")


def _roots(heads: pl.DataFrame) -> pl.DataFrame:
    """pedimento -> the original pedimento its rectification chain starts from."""
    parent = dict(zip(heads.get_column("pedimento").to_list(), heads.get_column("rectifies").to_list(), strict=True))
    out: dict[str, str] = {}
    for start in parent:
        node, seen = start, {start}
        while parent.get(node) is not None and parent[node] in parent and parent[node] not in seen:
            node = parent[node]
            seen.add(node)
        out[start] = node
    return pl.DataFrame(
        {"pedimento": list(out), "root": list(out.values())}, schema={"pedimento": pl.String, "root": pl.String}
    )
