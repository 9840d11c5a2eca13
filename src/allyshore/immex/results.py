"""Results of the IMMEX ledger: the discharges and the balances (``--json`` and ``--csv DIR`` contracts).

Quantities and values are exact decimals. In JSON they are written as numbers whose text is the exact decimal
(``12.5``, never a binary float's ``12.499999999999998``): read them with a decimal-aware parser
(``json.loads(text, parse_float=decimal.Decimal)``) to keep them exact. In ``to_dict`` they are
:class:`~decimal.Decimal`; in CSV they are the same decimal text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import polars as pl

from allyshore.results import NOT_IN_JSON, Result

__all__ = ["Balances", "Discharges", "exact_json"]

_MARK = "\x00D"
_MARKED = re.compile(r'"\\u0000D(-?[0-9]+(?:\.[0-9]+)?)"')
_MICRO = ("imported", "discharged", "balance", "value_usd_balance", "quantity", "value_usd")


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return _MARK + format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def exact_json(payload: Any, *, indent: int | None = 2) -> str:
    """JSON text of ``payload`` with every Decimal written as a JSON number of exactly its digits."""
    text = json.dumps(_plain(payload), indent=indent, ensure_ascii=False)
    return _MARKED.sub(r"\1", text)


def decimal_rows(frame: pl.DataFrame, columns: tuple[str, ...]) -> list[dict[str, Any]]:
    """The rows of ``frame`` (only ``columns``), micro-unit columns as exact Decimals."""
    from allyshore.immex.ledger import to_decimal

    rows = frame.select(columns).to_dicts()
    micro = [c for c in columns if c in _MICRO]
    for row in rows:
        for c in micro:
            row[c] = to_decimal(row[c])
    return rows


def _frames(payload: dict[str, Any]) -> dict[str, pl.DataFrame]:
    out: dict[str, pl.DataFrame] = {}
    summary = {k: v for k, v in payload.items() if not isinstance(v, list)}
    if summary:
        out["summary"] = pl.DataFrame([{k: _text(v) for k, v in summary.items()}])
    for key, rows in payload.items():
        if isinstance(rows, list) and rows:
            out[key] = pl.DataFrame([{k: _text(v) for k, v in r.items()} for r in rows], infer_schema_length=None)
    return out


def _text(value: Any) -> Any:
    return format(value, "f") if isinstance(value, Decimal) else value


@dataclass(frozen=True)
class Discharges(Result):
    """The discharge of every exit: one row per (exit, lot) piece, in processing order.

    ``frame`` columns: exit_id, kind, date, pedimento, sequence, material_id, quantity (micro tariff units),
    value_usd (micro USD); ``mode`` is ``quantity`` or ``value``.
    """

    frame: pl.DataFrame = field(metadata=NOT_IN_JSON)
    mode: str = field(default="quantity", metadata=NOT_IN_JSON)

    def to_dict(self) -> dict[str, Any]:
        columns = ("exit_id", "pedimento", "sequence", "material_id", "quantity", "value_usd")
        return {"discharges": decimal_rows(self.frame, columns)}

    def to_json(self, *, indent: int | None = 2) -> str:
        return exact_json(self.to_dict(), indent=indent)

    def frames(self) -> dict[str, pl.DataFrame]:
        return _frames(self.to_dict())


@dataclass(frozen=True)
class Balances(Result):
    """Balances of every lot as of a day, and their sums by material (micro-units in the frames)."""

    as_of: date
    lots: pl.DataFrame = field(metadata=NOT_IN_JSON)
    by_material: pl.DataFrame = field(metadata=NOT_IN_JSON)

    def to_dict(self) -> dict[str, Any]:
        lot_columns = (
            "pedimento",
            "sequence",
            "material_id",
            "tariff_item",
            "imported",
            "discharged",
            "balance",
            "value_usd_balance",
            "clock_start",
            "deadline",
            "days_left",
        )
        return {
            "as_of": self.as_of,
            "lots": decimal_rows(self.lots, lot_columns),
            "by_material": decimal_rows(self.by_material, ("material_id", "balance", "value_usd_balance")),
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        return exact_json(self.to_dict(), indent=indent)

    def frames(self) -> dict[str, pl.DataFrame]:
        return _frames(self.to_dict())
