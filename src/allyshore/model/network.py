"""The supply network: six typed, immutable tables.

A :class:`Network` holds one polars DataFrame per table of the network format
(see :mod:`allyshore.model.schema`). Every schema column is present, the optional
columns the analyses read included (null where the user gave nothing); other
columns the user added are kept as text.
Countries are stored as ISO 3166-1 alpha-2 codes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from allyshore.model.schema import TABLES, Column, Table

_DTYPES: dict[str, Any] = {"str": pl.String, "float": pl.Float64, "int": pl.Int64, "bool": pl.Boolean}


def table_dtype(column: Column) -> Any:
    return _DTYPES[column.type]


def empty_table(table: Table) -> pl.DataFrame:
    return pl.DataFrame(schema={c.name: table_dtype(c) for c in table.columns})


@dataclass(frozen=True, eq=False)
class Network:
    """A multi-tier supply network.

    Build one with :func:`allyshore.load_network`, :func:`allyshore.load_sample`
    or :meth:`Network.from_dict`; the tables are read-only DataFrames.

    Rows of each table may carry their location in the user's file in
    ``locations[table]`` (the row number the user sees), used by validation.
    """

    tables: Mapping[str, pl.DataFrame]
    name: str = "network"
    description: str = ""
    source: str | None = None
    locations: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    sources: Mapping[str, str] = field(default_factory=dict)

    @property
    def sites(self) -> pl.DataFrame:
        return self.tables["sites"]

    @property
    def items(self) -> pl.DataFrame:
        return self.tables["items"]

    @property
    def bom(self) -> pl.DataFrame:
        return self.tables["bom"]

    @property
    def supply(self) -> pl.DataFrame:
        return self.tables["supply"]

    @property
    def flows(self) -> pl.DataFrame:
        return self.tables["flows"]

    @property
    def demand(self) -> pl.DataFrame:
        return self.tables["demand"]

    def row_of(self, table: str, index: int) -> int:
        """The row number the user sees for the ``index``-th record of ``table``."""
        rows = self.locations.get(table)
        if rows and index < len(rows):
            return rows[index]
        return index + 2

    def source_of(self, table: str) -> str:
        return self.sources.get(table, table)

    def to_dict(self) -> dict[str, list[dict[str, Any]]]:
        """One JSON-ready object, one list of records per table; nulls are left out."""
        out: dict[str, list[dict[str, Any]]] = {}
        for name in TABLES:
            frame = self.tables[name]
            out[name] = [{k: v for k, v in row.items() if v is not None} for row in frame.iter_rows(named=True)]
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], name: str = "network") -> Network:
        """Parse and validate a network given as one object of record lists."""
        from allyshore.model.parse import parse_document

        return parse_document(data, name=name)

    def summary(self) -> dict[str, int]:
        return {name: self.tables[name].height for name in TABLES}

    def __repr__(self) -> str:
        counts = ", ".join(f"{k}={v}" for k, v in self.summary().items())
        return f"Network({self.name!r}: {counts})"
