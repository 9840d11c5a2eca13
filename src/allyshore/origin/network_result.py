"""Results of :func:`allyshore.origin.from_network.determine_network`: per good, and for the network."""

from __future__ import annotations

import html
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Any

import polars as pl

from allyshore.errors import NotFoundError
from allyshore.origin.bom import MaterialLine, walk
from allyshore.origin.case import Case
from allyshore.origin.result import OriginResult
from allyshore.results import Result

if TYPE_CHECKING:
    from allyshore.origin.from_network import NetworkAnalysis


def _rvc_dict(method: str | None, rvc: float | None, threshold: float | None, margin: float | None) -> Any:
    return None if rvc is None else {"method": method, "value": rvc, "threshold": threshold, "margin": margin}


@dataclass(frozen=True)
class DesignationOutcome(Result):
    """A good decided under one choice of designated intermediate materials.

    ``basis``: ``look_through`` (none designated), ``as_given`` (the ``designated_intermediate``
    column), ``designate_qualifying`` (the outermost in-house sub-assemblies that qualify on their
    own) or ``designate_all`` (every one, within the s.8(6) proviso). ``items``: those designated.
    """

    basis: str
    items: tuple[str, ...]
    status: str
    criterion: str | None
    method: str | None
    rvc: float | None
    threshold: float | None
    margin: float | None
    reason: str = ""

    @property
    def applied(self) -> str:
        return "designated" if self.items else "look_through"

    @property
    def originating(self) -> bool:
        return self.status == "originating"

    def to_dict(self) -> dict[str, Any]:
        return {
            "applied": self.applied,
            "basis": self.basis,
            "items": list(self.items),
            "status": self.status,
            "originating": self.originating,
            "criterion": self.criterion,
            "rvc": _rvc_dict(self.method, self.rvc, self.threshold, self.margin),
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Designation(Result):
    """What was applied to a good: the mode asked for, the designation chosen, and why (with the sections)."""

    mode: str  # given | none | all | auto
    basis: str
    items: tuple[str, ...]
    in_house: tuple[str, ...]  # every in-house sub-assembly (item ids) below the good
    explanation: str

    json_keys = ("mode", "applied", "basis", "items", "in_house", "explanation")

    @property
    def applied(self) -> str:
        return "designated" if self.items else "look_through"


@dataclass(frozen=True)
class GoodOrigin(Result):
    """The origin of one finished good made at one plant."""

    item_id: str
    site_id: str
    name: str
    hs: str
    country: str
    status: str  # originating | not_originating | undetermined
    criterion: str | None
    method: str | None
    rvc: float | None
    threshold: float | None
    margin: float | None  # RVC points above (+) or below (-) the threshold
    deciding_materials: tuple[str, ...]
    materials: tuple[MaterialLine, ...]
    units_per_year: float
    reason: str = ""
    result: OriginResult | None = field(default=None, repr=False, compare=False)
    case: Case | None = field(default=None, repr=False, compare=False)
    designation: Designation | None = None
    alternatives: tuple[DesignationOutcome, ...] = ()
    record_id: int | None = field(default=None, compare=False)  # the saved record of its determination, if any

    @property
    def originating(self) -> bool:
        return self.status == "originating"

    def material(self, material_id: str) -> MaterialLine:
        """The material line with this id, at any BOM level."""
        for m in walk(self.materials):
            if m.id == material_id:
                return m
        raise NotFoundError(f"no material {material_id!r} in the case of {self.item_id!r}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "item_id": self.item_id,
            "site_id": self.site_id,
            "name": self.name,
            "hs": self.hs,
            "country": self.country,
            "status": self.status,
            "originating": self.originating,
            "criterion": self.criterion,
            "rvc": _rvc_dict(self.method, self.rvc, self.threshold, self.margin),
            "deciding_materials": list(self.deciding_materials),
            "materials": [m.to_dict() for m in self.materials],
            "units_per_year": self.units_per_year,
            "reason": self.reason,
            "determination": None if self.result is None else self.result.to_dict(),
            "designation": None if self.designation is None else self.designation.to_dict(),
            "alternatives": [a.to_dict() for a in self.alternatives],
            "record_id": self.record_id,
        }


@dataclass(frozen=True)
class NetworkOrigin(Result):
    """USMCA origin of every finished good of a network (:func:`determine_network`)."""

    network: str
    goods: tuple[GoodOrigin, ...]
    as_of: date | None
    assumptions: tuple[str, ...]
    analysis: NetworkAnalysis | None = field(default=None, repr=False, compare=False)
    designate: str = "given"

    def __iter__(self) -> Iterator[GoodOrigin]:
        return iter(self.goods)

    def good(self, item_id: str, site_id: str | None = None) -> GoodOrigin:
        for g in self.goods:
            if g.item_id == item_id and (site_id is None or g.site_id == site_id):
                return g
        raise NotFoundError(f"no finished good {item_id!r} in the origin results of {self.network!r}")

    @property
    def record_ids(self) -> dict[tuple[str, str], int]:
        """(item_id, site_id) -> the id of the saved record of each good's determination (saved goods only)."""
        return {(g.item_id, g.site_id): g.record_id for g in self.goods if g.record_id is not None}

    def with_records(self, record_ids: Mapping[tuple[str, str], int]) -> NetworkOrigin:
        """The same result with the saved record of each good named by (item_id, site_id)."""
        goods = tuple(replace(g, record_id=record_ids.get((g.item_id, g.site_id), g.record_id)) for g in self.goods)
        return replace(self, goods=goods)

    def to_dict(self) -> dict[str, Any]:
        counts = {s: sum(g.status == s for g in self.goods) for s in ("originating", "not_originating", "undetermined")}
        return {
            "network": self.network,
            "as_of": None if self.as_of is None else self.as_of.isoformat(),
            "designate": self.designate,
            "summary": {"goods": len(self.goods), **counts},
            "goods": [g.to_dict() for g in self.goods],
            "assumptions": list(self.assumptions),
        }

    def to_frame(self) -> pl.DataFrame:
        schema = {
            "item_id": pl.String,
            "site_id": pl.String,
            "hs": pl.String,
            "status": pl.String,
            "criterion": pl.String,
            "method": pl.String,
            "rvc": pl.Float64,
            "threshold": pl.Float64,
            "margin": pl.Float64,
            "deciding_materials": pl.String,
            "units_per_year": pl.Float64,
            "designation": pl.String,
            "designated": pl.String,
        }
        rows = [
            (
                g.item_id,
                g.site_id,
                g.hs,
                g.status,
                g.criterion,
                g.method,
                g.rvc,
                g.threshold,
                g.margin,
                ", ".join(g.deciding_materials),
                g.units_per_year,
                None if g.designation is None else g.designation.applied,
                None if g.designation is None else ", ".join(g.designation.items),
            )
            for g in self.goods
        ]
        return pl.DataFrame(rows, schema=schema, orient="row")

    def frames(self) -> dict[str, pl.DataFrame]:
        """goods: one row per good (verdict, RVC, threshold, margin, deciding materials, designation, record)."""
        records = pl.Series("record_id", [g.record_id for g in self.goods], dtype=pl.Int64)
        return {"goods": self.to_frame().with_columns(records)}

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(g.item_id)}</td><td>{html.escape(g.site_id)}</td><td>{html.escape(g.hs)}</td>"
            f"<td>{html.escape(g.status.replace('_', ' '))}</td>"
            f"<td>{'' if g.rvc is None else f'{g.rvc:.1f}% / {g.threshold:g}%'}</td>"
            f"<td>{html.escape(', '.join(g.deciding_materials))}</td></tr>"
            for g in self.goods
        )
        return (
            "<table><thead><tr><th>good</th><th>plant</th><th>HS</th><th>verdict</th><th>RVC / threshold</th>"
            f"<th>deciding materials</th></tr></thead><tbody>{rows}</tbody></table>"
        )
