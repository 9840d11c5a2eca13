"""Results of the capacity analyses: the capacity map (``allyshore capacity map``) and the match of a
network's parts to Mexican establishments (``allyshore capacity match``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import polars as pl

from allyshore.capacity.concordance import MatchClass
from allyshore.results import NOT_IN_JSON, Result, flat_frame, jsonable


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


@dataclass(frozen=True)
class ScoreWeights(Result):
    """How much each component counts in a candidate's score (they sum to 1, so the score lies in 0-1)."""

    concordance: float = 0.4
    size: float = 0.2
    distance: float = 0.3
    park: float = 0.1


@dataclass(frozen=True)
class Candidate(Result):
    """One establishment that could make an item, with its score and the parts of the score."""

    establishment_id: str
    name: str
    scian: str
    state: str
    municipality: str
    lat: float
    lon: float
    distance_km: float  # by road, approximated: great-circle km x the road circuity factor
    employees_low: int | None
    employees_high: int | None
    score: float
    score_parts: Mapping[str, float]
    band: int | None = None
    in_industrial_park: bool | None = None
    great_circle_km: float = 0.0
    near_site: str = ""  # the receiving site it was measured to


@dataclass(frozen=True)
class ItemMatch(Result):
    """The classes and the ranked establishments of one item."""

    item_id: str
    hs_code: str | None
    classes: tuple[MatchClass, ...]
    candidates: tuple[Candidate, ...]
    receiving_sites: tuple[str, ...] = ()
    in_range: int = 0  # establishments of its classes within range, before the top N
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "item_id": self.item_id,
            "hs_code": self.hs_code,
            "classes": [{"scian": c.scian, "weight": c.weight, "naics": list(c.naics)} for c in self.classes],
            "candidates": [c.to_dict() for c in self.candidates],
            "receiving_sites": list(self.receiving_sites),
            "in_range": self.in_range,
            "note": self.note,
        }


@dataclass(frozen=True)
class CapacityMatch(Result):
    """Every item of a network with its SCIAN classes and its best Mexican establishments."""

    network: str
    within_km: float
    min_employees: int | None
    top: int
    road_circuity: float
    weights: ScoreWeights
    items: tuple[ItemMatch, ...]
    establishments: int = 0  # establishments read (after the class and size filters)
    assumptions: tuple[str, ...] = field(default=())

    json_keys = (
        "network",
        "within_km",
        "min_employees",
        "top",
        "road_circuity",
        "weights",
        "establishments",
        "assumptions",
        "items",
    )

    def frames(self) -> dict[str, pl.DataFrame]:
        """``items`` (one row each, classes as text), ``classes`` and ``candidates`` (one row per item and
        class or establishment) and a ``summary`` row."""
        items: list[Mapping[str, Any]] = [
            {
                "item_id": i.item_id,
                "hs_code": i.hs_code,
                "classes": ";".join(f"{c.scian}:{c.weight:.4f}" for c in i.classes),
                "receiving_sites": ";".join(i.receiving_sites),
                "in_range": i.in_range,
                "candidates": len(i.candidates),
                "note": i.note,
            }
            for i in self.items
        ]
        classes: list[Mapping[str, Any]] = [
            {"item_id": i.item_id, "scian": c.scian, "weight": c.weight, "naics": ";".join(c.naics)}
            for i in self.items
            for c in i.classes
        ]
        candidates: list[Mapping[str, Any]] = [
            {"item_id": i.item_id, "rank": r + 1, **c.to_dict()} for i in self.items for r, c in enumerate(i.candidates)
        ]
        summary = {
            k: jsonable(getattr(self, k)) for k in ("network", "within_km", "min_employees", "top", "road_circuity")
        }
        summary.update({f"weight_{k}": v for k, v in self.weights.to_dict().items()})
        tables = {"summary": flat_frame([summary]), "items": flat_frame(items)}
        if classes:
            tables["classes"] = flat_frame(classes)
        if candidates:
            tables["candidates"] = flat_frame(candidates)
        return tables
