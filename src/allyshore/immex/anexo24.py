"""The Anexo 24 reports of the ledger: entries, exits, balances and materials used, as CSV files or a workbook.

RGCE rule 4.3.1 makes Anexo 24 Part A the minimum automated inventory control of an IMMEX company (LA art. 59
fr. I); its reports are entries, exits, balances by tariff item and the materials used per period, each with
the taxpayer's name/RFC and programme (docs/immex.md §6). The tables here:

* ``taxpayer``: RFC and programme number of each programme in the ledger;
* ``entries``: every line of a temporary-import pedimento: pedimento, key, regime, date, clock start,
  sequence, material, tariff item, quantity (tariff units), value (USD), origin, deadline;
* ``exits``: every discharge: the exit (id, kind, date, its own pedimento, product or material) and the lot
  it discharged (pedimento, sequence, material, quantity, value);
* ``balances``: each lot's imported, discharged and balance quantity and value, deadline and days left;
* ``balances_by_tariff_item``: the same summed per tariff item;
* ``materials_used``: quantity and value discharged per month, material, tariff item and exit kind
  (``waste`` rows are the desperdicios).

Quantities and values are exact decimals (six places), converted from the ledger's micro-units.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from allyshore.errors import InputError
from allyshore.results import NOT_IN_JSON, Result

if TYPE_CHECKING:
    import polars as pl

    from allyshore.immex.ledger import Ledger

__all__ = ["ANEXO24_TABLES", "Anexo24", "anexo24_tables", "micro", "write_anexo24"]

#: The reports, in the order they are written.
ANEXO24_TABLES = ("taxpayer", "entries", "exits", "balances", "balances_by_tariff_item", "materials_used")
#: Rows an XLSX sheet holds (Excel's limit, less the header).
XLSX_MAX_ROWS = 1_048_575


def micro(name: str) -> pl.Expr:
    """An Int64 column of micro-units as an exact Decimal(38, 6) column of the same name."""
    import polars as pl

    return (
        pl.col(name).cast(pl.Decimal(38, 0)).cast(pl.Decimal(38, 6)) / pl.lit(1_000_000).cast(pl.Decimal(38, 0))
    ).alias(name)


@dataclass(frozen=True)
class Anexo24(Result):
    """The Anexo 24 tables of a ledger as of a date, and the files written (if any)."""

    as_of: date
    tables: dict[str, pl.DataFrame] = field(metadata=NOT_IN_JSON)
    files: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "tables": [{"name": n, "rows": t.height} for n, t in self.tables.items()],
            "files": list(self.files),
        }

    def frames(self) -> dict[str, pl.DataFrame]:
        return dict(self.tables)


def _decimal_columns(frame: pl.DataFrame, names: tuple[str, ...]) -> pl.DataFrame:
    import polars as pl

    present = [n for n in names if n in frame.columns and frame.schema[n] == pl.Int64]
    return frame.with_columns(micro(n) for n in present) if present else frame


def anexo24_tables(ledger: Ledger, discharges: pl.DataFrame, balances: pl.DataFrame, as_of: date) -> Anexo24:
    """The Anexo 24 tables. ``discharges`` is the ledger's discharge frame (exit_id, date, pedimento, sequence,
    material_id, quantity, value_usd; micro-units) and ``balances`` its per-lot balances as of ``as_of``."""
    import polars as pl

    money = (
        "quantity", "exit_quantity", "value_usd", "imported", "discharged", "balance", "value_usd_balance",
        "exchange_rate",
    )
    taxpayer = ledger.programs.select("rfc", "program_number", "modality", "certification", "certification_valid_to")
    heads = ledger.pedimentos.select("pedimento", "key", "regime", "date", "clock_start", "exchange_rate", "rectifies")
    deadlines = balances.select("pedimento", "sequence", "material_id", "deadline") if balances.height else None
    entries = ledger.pedimento_lines.join(heads, on="pedimento", how="left").filter(
        pl.col("regime").is_in(["ITE", "ITR"])
    )
    entries = entries.join(ledger.materials.select("material_id", "class", "tariff_unit"), on="material_id", how="left")
    if deadlines is not None:
        entries = entries.join(deadlines, on=["pedimento", "sequence", "material_id"], how="left")
    else:
        entries = entries.with_columns(deadline=pl.lit(None, dtype=pl.Date))
    entries = entries.select(
        "pedimento", "key", "regime", "date", "clock_start", "rectifies", "sequence", "material_id", "class",
        "tariff_item", "tariff_unit", "quantity", "value_usd", "exchange_rate", "origin_country", "deadline",
    ).sort("clock_start", "pedimento", "sequence")
    exits_head = ledger.exits.select(
        "exit_id", "kind", pl.col("date").alias("exit_date"), pl.col("pedimento").alias("exit_pedimento"),
        "product_id", pl.col("material_id").alias("exit_material_id"), pl.col("quantity").alias("exit_quantity"),
    )
    exits = (
        discharges.select("exit_id", "pedimento", "sequence", "material_id", "quantity", "value_usd")
        .join(exits_head, on="exit_id", how="left")
        .select(
            "exit_id", "kind", "exit_date", "exit_pedimento", "product_id", "exit_material_id", "exit_quantity",
            "pedimento", "sequence", "material_id", "quantity", "value_usd",
        )
        .sort("exit_date", "exit_id", "pedimento", "sequence")
    )
    lot_columns = [
        c
        for c in ("pedimento", "sequence", "material_id", "tariff_item", "class", "key", "clock_start", "imported",
                  "discharged", "balance", "value_usd_balance", "deadline", "days_left", "origin_country")
        if c in balances.columns
    ]
    lots = balances.select(lot_columns)
    by_item = (
        balances.group_by("tariff_item")
        .agg(pl.len().alias("lots"), pl.col("imported").sum(), pl.col("discharged").sum(), pl.col("balance").sum(),
             pl.col("value_usd_balance").sum())
        .sort("tariff_item")
        if balances.height
        else pl.DataFrame(schema={"tariff_item": pl.String, "lots": pl.UInt32, "imported": pl.Int64,
                                  "discharged": pl.Int64, "balance": pl.Int64, "value_usd_balance": pl.Int64})
    )
    items = ledger.materials.select("material_id", pl.col("tariff_item").alias("material_tariff_item"))
    used = (
        exits.with_columns(period=pl.col("exit_date").dt.strftime("%Y-%m"))
        .join(items, on="material_id", how="left")
        .group_by("period", "material_id", "material_tariff_item", "kind")
        .agg(pl.col("quantity").sum(), pl.col("value_usd").sum())
        .rename({"material_tariff_item": "tariff_item"})
        .sort("period", "material_id", "kind")
    )
    tables = {
        "taxpayer": taxpayer,
        "entries": entries,
        "exits": exits,
        "balances": lots,
        "balances_by_tariff_item": by_item,
        "materials_used": used,
    }
    return Anexo24(as_of=as_of, tables={n: _decimal_columns(t, money) for n, t in tables.items()})


def write_anexo24(report: Anexo24, out_dir: str | Path, fmt: Literal["csv", "xlsx"] = "csv") -> Anexo24:
    """Write the tables to ``out_dir``: one ``anexo24_NAME.csv`` each, or one ``anexo24.xlsx`` with a sheet per
    table; each file all at once (:mod:`allyshore.io.atomic`). Returns the report with the files named."""
    from allyshore.io.atomic import atomic_path
    from allyshore.io.csv_cells import neutralize_formulas

    folder = Path(out_dir)
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder}: --out must be a folder; give a folder path")
    folder.mkdir(parents=True, exist_ok=True)
    written: list[str] = []
    if fmt == "csv":
        for name, frame in report.tables.items():
            target = folder / f"anexo24_{name}.csv"
            with atomic_path(target) as tmp:
                neutralize_formulas(frame).write_csv(tmp)
            written.append(str(target))
    elif fmt == "xlsx":
        too_long = [n for n, f in report.tables.items() if f.height > XLSX_MAX_ROWS]
        if too_long:
            raise InputError(
                f"{', '.join(too_long)}: more rows than an XLSX sheet holds ({XLSX_MAX_ROWS:,}); use --format csv"
            )
        target = folder / "anexo24.xlsx"
        with atomic_path(target) as tmp:
            _write_workbook(report, tmp)
        written.append(str(target))
    else:
        raise InputError(f"--format {fmt!r}: use csv or xlsx")
    return Anexo24(as_of=report.as_of, tables=report.tables, files=tuple(written))


def _write_workbook(report: Anexo24, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    from allyshore.io.csv_cells import neutralize_formulas

    book = Workbook(write_only=True)
    bold = Font(bold=True)
    for name, frame in report.tables.items():
        sheet = book.create_sheet(title=name[:31])
        header = []
        for column in frame.columns:
            cell = WriteOnlyCell(sheet, value=column)
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        for row in neutralize_formulas(frame).iter_rows():
            sheet.append(list(row))
    book.save(path)
