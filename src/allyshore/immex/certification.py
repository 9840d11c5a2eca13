"""The figures the VAT/IEPS certification tiers depend on, computed from the ledger and set against each tier.

VAT/IEPS certification (LIVA art. 28-A, LIEPS art. 15-A; RGCE Title 7) lets a certified company credit the
VAT/IEPS of its temporary imports instead of paying or guaranteeing it. The tiers (docs/immex.md §10;
RGCE 7.1.2 and 7.1.3 [verify the rule numbers against RGCE 2026]):

* A: among others, the company returned at least 60 % of the value of its temporary imports of inputs over
  the last 12 months (80 % for goods of Decreto IMMEX Anexo II / RGCE Anexo 28);
* AA: at least 4 years operating, or more than 1,000 workers, or machinery and equipment above MXN 50 M;
* AAA: at least 7 years, or more than 2,500 workers, or machinery and equipment above MXN 100 M.

What the ledger holds is computed (the returned share; the value of fixed assets; the first pedimento's
date, a lower bound of the years operating); what it does not (workers, tax debts, refund denials) is shown
as unknown, never assumed met.

"Returned" here counts discharges by returns and virtual transfers (a virtual transfer is a virtual return,
LA art. 112) [verify whether SAT counts changes of regime too]; the share is the value discharged that way
in the 12 months to the as-of date over the value temporarily imported (inputs, packaging and containers,
not fixed assets) in the same 12 months [verify the exact ratio SAT uses].
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from allyshore.errors import InputError
from allyshore.immex.terms import add_months
from allyshore.results import Result

if TYPE_CHECKING:
    import polars as pl

__all__ = ["RETURN_KINDS", "CertificationFigures", "TierCheck", "certification_figures"]

#: Exit kinds that count as returned for the certification share.
RETURN_KINDS = ("return", "virtual_transfer")


@dataclass(frozen=True)
class TierCheck(Result):
    """One requirement of one tier: the ledger's figure, the threshold, and whether it is met (None: unknown)."""

    tier: str
    requirement: str
    figure: float | None
    threshold: float
    unit: str
    meets: bool | None
    basis: str


@dataclass(frozen=True)
class CertificationFigures(Result):
    """The certification figures of the 12 months to ``as_of``."""

    as_of: date
    window_start: date
    imported_value_usd: float
    returned_value_usd: float
    returned_share: float | None
    discharged_by_kind: dict[str, float]
    fixed_assets_value_usd: float
    first_import: date | None
    years_on_record: float | None
    checks: tuple[TierCheck, ...]
    tier: str | None = None  # the programme's current tier, as the ledger states it
    tier_valid_to: date | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "window_start": self.window_start.isoformat(),
            "imported_value_usd": round(self.imported_value_usd, 2),
            "returned_value_usd": round(self.returned_value_usd, 2),
            "returned_share": None if self.returned_share is None else round(self.returned_share, 6),
            "discharged_by_kind": {k: round(v, 2) for k, v in self.discharged_by_kind.items()},
            "fixed_assets_value_usd": round(self.fixed_assets_value_usd, 2),
            "first_import": None if self.first_import is None else self.first_import.isoformat(),
            "years_on_record": self.years_on_record,
            "checks": [c.to_dict() for c in self.checks],
            "tier": self.tier,
            "tier_valid_to": None if self.tier_valid_to is None else self.tier_valid_to.isoformat(),
        }


def certification_figures(
    imports: pl.DataFrame,
    discharged: pl.DataFrame,
    as_of: date,
    *,
    exchange_rate: float | None = None,
    anexo_ii: bool = False,
    tier: str | None = None,
    tier_valid_to: date | None = None,
) -> CertificationFigures:
    """The figures from ``imports`` (one row per pedimento line: ``clock_start``, ``class``, ``value_usd``) and
    ``discharged`` (one row per discharge: ``kind``, ``date``, ``value_usd``). ``exchange_rate`` (MXN per USD)
    turns the fixed-asset value into pesos for the AA/AAA thresholds; ``anexo_ii`` applies the 80 % share."""
    import polars as pl

    for name, frame, cols in (
        ("imports", imports, {"clock_start", "class", "value_usd"}),
        ("discharges", discharged, {"kind", "date", "value_usd"}),
    ):
        absent = cols - set(frame.columns)
        if absent:
            raise InputError(f"the {name} table lacks column(s) {', '.join(sorted(absent))}")
    window_start = add_months(as_of, -12) + timedelta(days=1)
    imports = imports.with_columns(pl.col("clock_start").cast(pl.Date), pl.col("value_usd").cast(pl.Float64))
    discharged = discharged.with_columns(pl.col("date").cast(pl.Date), pl.col("value_usd").cast(pl.Float64))
    in_window = pl.col("clock_start").is_between(window_start, as_of)
    inputs = imports.filter(in_window & (pl.col("class") != "fixed_asset"))
    imported = float(inputs["value_usd"].sum() or 0.0)
    out_window = discharged.filter(pl.col("date").is_between(window_start, as_of))
    by_kind_frame = out_window.group_by("kind").agg(pl.col("value_usd").sum()).sort("kind")
    by_kind = {str(k): float(v) for k, v in by_kind_frame.iter_rows()}
    returned = sum(by_kind.get(k, 0.0) for k in RETURN_KINDS)
    share = returned / imported if imported > 0 else None
    assets = imports.filter((pl.col("class") == "fixed_asset") & (pl.col("clock_start") <= as_of))
    assets_usd = float(assets["value_usd"].sum() or 0.0)
    started = imports.filter(pl.col("clock_start") <= as_of)["clock_start"].min()
    first = started if isinstance(started, date) else None
    years = None if first is None else round((as_of - first).days / 365.25, 2)
    assets_mxn = None if exchange_rate is None else assets_usd * exchange_rate
    threshold_a = 0.80 if anexo_ii else 0.60

    def at_least(figure: float | None, threshold: float) -> bool | None:
        return None if figure is None else figure >= threshold

    def above(figure: float | None, threshold: float) -> bool | None:
        return None if figure is None else figure > threshold

    rule_7_1_2 = "RGCE rule 7.1.2 [verify]"
    checks = (
        TierCheck("A", "share of temporary-import value returned, last 12 months", share, threshold_a, "share",
                  at_least(share, threshold_a), rule_7_1_2 + ("; 80 % for Anexo II goods" if anexo_ii else "")),
        TierCheck("A", "IMSS-registered workers", None, 10, "workers", None, rule_7_1_2 + "; not in the ledger"),
        # a ledger starting later than the company does only proves a lower bound: met if it shows the years,
        # unknown otherwise
        TierCheck("AA", "years operating (lower bound: first pedimento in the ledger)", years, 4, "years",
                  True if years is not None and years >= 4 else None, "RGCE rule 7.1.3-I [verify]; or >1,000 workers"),
        TierCheck("AA", "machinery and equipment (fixed assets in the ledger)", assets_mxn, 50_000_000, "MXN",
                  True if assets_mxn is not None and assets_mxn > 50_000_000 else None,
                  "RGCE rule 7.1.3-I [verify]" + ("" if assets_mxn is not None else "; needs an exchange rate")),
        TierCheck("AAA", "years operating (lower bound: first pedimento in the ledger)", years, 7, "years",
                  True if years is not None and years >= 7 else None, "RGCE rule 7.1.3-II [verify]; or >2,500 workers"),
        TierCheck("AAA", "machinery and equipment (fixed assets in the ledger)", assets_mxn, 100_000_000, "MXN",
                  True if assets_mxn is not None and above(assets_mxn, 100_000_000) else None,
                  "RGCE rule 7.1.3-II [verify]" + ("" if assets_mxn is not None else "; needs an exchange rate")),
    )
    return CertificationFigures(
        as_of=as_of,
        window_start=window_start,
        imported_value_usd=imported,
        returned_value_usd=returned,
        returned_share=share,
        discharged_by_kind=by_kind,
        fixed_assets_value_usd=assets_usd,
        first_import=first,
        years_on_record=years,
        checks=checks,
        tier=tier,
        tier_valid_to=tier_valid_to,
    )
