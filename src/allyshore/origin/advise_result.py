"""Results of the qualification advisor (:func:`allyshore.origin.advise.advise_qualification`)."""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import polars as pl

from allyshore.origin.network_result import Designation, GoodOrigin
from allyshore.origin.result import OriginResult
from allyshore.results import Result, flat_frame


@dataclass(frozen=True)
class Resourcing(Result):
    """One change of the plan: an input item, at the plant that consumes it, moved to one candidate source.

    ``value_before``/``value_after`` are the material's value for origin (s.8(1): price + freight) per unit
    of the good; ``landed_before``/``landed_after`` its landed cost per unit of the good, whose difference is
    the added cost. ``within`` names the in-house sub-assemblies it sits in (empty: a direct input of the
    good); ``quantity`` is its units per unit of the good through the BOM.
    """

    item_id: str
    from_sources: tuple[str, ...]
    to_site: str
    to_country: str
    value_before: float  # USD per unit of the good
    value_after: float
    originating_after: bool
    at_site: str = ""
    within: tuple[str, ...] = ()
    quantity: float = 1.0
    landed_before: float | None = None
    landed_after: float | None = None

    json_keys = (
        "item_id", "from_sources", "to_site", "to_country", "value_before", "value_after", "added_cost_per_unit",
        "originating_after", "at_site", "within", "quantity", "landed_before", "landed_after",
    )  # fmt: skip

    @property
    def added_cost_per_unit(self) -> float:
        """Landed cost added per unit of the good (price + freight when no landed cost is known)."""
        if self.landed_before is not None and self.landed_after is not None:
            return self.landed_after - self.landed_before
        return self.value_after - self.value_before


@dataclass(frozen=True)
class QualificationPlan(Result):
    """The least-cost re-sourcing that qualifies a good (``qualifies`` False when none exists).

    ``added_cost_per_unit`` is the landed cost the changes add (``cost_basis`` ``"landed"``), or their price
    + freight when the landed-cost engine could not price them (``"price"``, see ``cost_notes``).
    ``duty_saved_per_unit`` is what the good's own landed cost falls at its destinations once it is
    USMCA-originating (import duties and fees avoided); None when not counted (``cost_notes`` says why).
    """

    item_id: str
    site_id: str
    qualifies: bool
    already_originating: bool
    changes: tuple[Resourcing, ...]
    added_cost_per_unit: float
    units_per_year: float
    rvc_before: float | None
    rvc_after: float | None
    method_after: str | None
    threshold_after: float | None
    criterion_after: str | None
    candidates_considered: int
    message: str
    before: GoodOrigin | None = field(default=None, repr=False, compare=False)
    after: OriginResult | None = field(default=None, repr=False, compare=False)
    cost_basis: str = "landed"
    duty_saved_per_unit: float | None = None
    cost_notes: tuple[str, ...] = ()
    designation_after: GoodOrigin | None = field(default=None, repr=False, compare=False)

    json_keys = (
        "item_id", "site_id", "qualifies", "already_originating", "changes", "added_cost_per_unit",
        "added_cost_per_year", "units_per_year", "rvc_before", "rvc_after", "method_after", "threshold_after",
        "criterion_after", "candidates_considered", "message", ("determination_after", "after"), "cost_basis",
        "duty_saved_per_unit", "duty_saved_per_year", "net_cost_per_year", "cost_notes",
        ("designation_after", "designation_applied"),
    )  # fmt: skip

    @property
    def designation_applied(self) -> Designation | None:
        """The designation of intermediate materials the good qualifies under after the plan (None: not decided)."""
        return None if self.designation_after is None else self.designation_after.designation

    @property
    def added_cost_per_year(self) -> float:
        return self.added_cost_per_unit * self.units_per_year

    @property
    def duty_saved_per_year(self) -> float | None:
        return None if self.duty_saved_per_unit is None else self.duty_saved_per_unit * self.units_per_year

    @property
    def net_cost_per_year(self) -> float | None:
        """Added landed cost of the inputs less the duty the good saves, per year (None when not counted)."""
        saved = self.duty_saved_per_year
        return None if saved is None else self.added_cost_per_year - saved

    def to_frame(self) -> pl.DataFrame:
        schema = {
            "item_id": pl.String,
            "at_site": pl.String,
            "within": pl.String,
            "from_sources": pl.String,
            "to_site": pl.String,
            "to_country": pl.String,
            "quantity": pl.Float64,
            "value_before": pl.Float64,
            "value_after": pl.Float64,
            "added_cost_per_unit": pl.Float64,
            "originating_after": pl.Boolean,
        }
        rows = [
            (
                c.item_id,
                c.at_site,
                " > ".join(c.within),
                ", ".join(c.from_sources),
                c.to_site,
                c.to_country,
                c.quantity,
                c.value_before,
                c.value_after,
                c.added_cost_per_unit,
                c.originating_after,
            )
            for c in self.changes
        ]
        return pl.DataFrame(rows, schema=schema, orient="row")

    def frames(self) -> dict[str, pl.DataFrame]:
        """summary (one row: the plan's figures, its notes joined) and changes (one row per re-sourcing)."""
        summary = {k: v for k, v in self.to_dict().items() if k not in ("changes", "determination_after")}
        return {"summary": flat_frame([summary]), "changes": self.to_frame()}

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(c.item_id)}</td><td>{html.escape(', '.join(c.from_sources))}</td>"
            f"<td>{html.escape(c.to_site)} ({html.escape(c.to_country)})</td><td>{c.added_cost_per_unit:+.2f}</td></tr>"
            for c in self.changes
        )
        return (
            f"<div><strong>{html.escape(self.item_id)} @ {html.escape(self.site_id)}</strong>: "
            f"{html.escape(self.message)}<table><tr><th>input</th><th>from</th><th>to</th><th>USD/unit</th></tr>"
            f"{rows}</table></div>"
        )
