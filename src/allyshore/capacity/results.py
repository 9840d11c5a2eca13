"""Results of the capacity analyses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import polars as pl

from allyshore.results import NOT_IN_JSON, Result, jsonable


@dataclass(frozen=True, eq=False)
class CapacityMap(Result):
    """Establishments and employment by state and by state x SCIAN code, in one sector (or all activities).

    ``states`` has one row per state: ``state``, ``state_name``, ``establishments``, ``employees_low``,
    ``employees_mid``, ``employees_high``, ``in_parks`` (establishments in an industrial park, zone or corridor)
    and ``employees_mid_in_parks``; ``classes`` the same figures per state and SCIAN code at ``level``
    (``scian``, and ``activity``, the class name, at the class level). A sum over rows whose bound is unknown
    (null in the edition) is null, never a partial sum. ``cells`` (not in the JSON) counts the establishments
    with coordinates per h3 cell, for the map.
    """

    sector: str | None
    sector_title: str
    scian_prefixes: tuple[str, ...]
    level: str
    edition: str | None
    states: pl.DataFrame
    classes: pl.DataFrame
    totals: dict[str, Any]
    notes: tuple[str, ...] = ()
    cells: pl.DataFrame | None = field(default=None, metadata=NOT_IN_JSON)
    cell_resolution: int | None = field(default=None, metadata=NOT_IN_JSON)
    selected_states: tuple[str, ...] | None = field(default=None, metadata=NOT_IN_JSON)  # None: every state

    json_keys: ClassVar[tuple[str | tuple[str, str], ...]] = (
        "sector",
        "sector_title",
        "scian_prefixes",
        "level",
        "edition",
        "totals",
        "states",
        "classes",
        "notes",
    )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in self.json_keys:
            name = key if isinstance(key, str) else key[0]
            value = getattr(self, name)
            out[name] = value.to_dicts() if isinstance(value, pl.DataFrame) else jsonable(value)
        return out

    def frames(self) -> dict[str, pl.DataFrame]:
        summary = {
            "sector": self.sector,
            "sector_title": self.sector_title,
            "scian_prefixes": ";".join(self.scian_prefixes),
            "level": self.level,
            "edition": self.edition,
            **{f"total_{k}": v for k, v in self.totals.items()},
            "notes": " | ".join(self.notes),
        }
        return {"summary": pl.DataFrame([jsonable(summary)]), "states": self.states, "classes": self.classes}
