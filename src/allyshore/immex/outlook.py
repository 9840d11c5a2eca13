"""The ledger's deadlines, the cost of each option, the certification figures and the Anexo 24 reports, from a
:class:`~allyshore.immex.ledger.Ledger`: the functions the ``immex deadlines`` and ``immex report`` commands call.

Each discharges the ledger once (:func:`allyshore.immex.discharge.discharge`), takes the per-lot balances
(:func:`allyshore.immex.discharge.balances`), recomputes every deadline with the business-day calendar asked for
(:mod:`allyshore.immex.terms`), and hands plain frames to the kernels (:mod:`.costs`, :mod:`.certification`,
:mod:`.anexo24`).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from allyshore.immex.terms import MEXICO, BusinessCalendar, deadlines

if TYPE_CHECKING:
    import polars as pl

    from allyshore.immex.anexo24 import Anexo24
    from allyshore.immex.certification import CertificationFigures
    from allyshore.immex.costs import CostSettings, DeadlineAlerts
    from allyshore.immex.ledger import Ledger
    from allyshore.immex.results import Discharges

__all__ = ["anexo24_report", "certification", "deadline_outlook", "lots_as_numbers", "recomputed_deadlines"]

#: Columns of the per-lot balances held in micro-units.
MICRO_COLUMNS = ("imported", "discharged", "balance", "value_usd_balance")


def lots_as_numbers(balances: pl.DataFrame) -> pl.DataFrame:
    """The per-lot balances with their micro-unit columns as floats (units, USD), for costs and charts."""
    import polars as pl

    present = [c for c in MICRO_COLUMNS if c in balances.columns and balances.schema[c] == pl.Int64]
    return balances.with_columns((pl.col(c).cast(pl.Float64) / 1_000_000).round(6).alias(c) for c in present)


def recomputed_deadlines(
    balances: pl.DataFrame, as_of: date, calendar: BusinessCalendar = MEXICO, program_valid_to: date | None = None
) -> pl.DataFrame:
    """The per-lot balances with ``deadline`` and ``days_left`` recomputed on ``calendar``."""
    import polars as pl

    ends = deadlines(
        balances["clock_start"].to_list(),
        balances["class"].to_list(),
        balances["key"].to_list(),
        program_valid_to=program_valid_to,
        calendar=calendar,
    )
    return balances.with_columns(pl.Series("deadline", ends, pl.Date)).with_columns(
        (pl.col("deadline") - pl.lit(as_of)).dt.total_days().cast(pl.Int64).alias("days_left")
    )


def _discharged(ledger: Ledger) -> Discharges:
    from allyshore.immex.discharge import discharge

    return discharge(ledger)


def _balances(ledger: Ledger, discharges: Discharges, as_of: date, calendar: BusinessCalendar) -> pl.DataFrame:
    from allyshore.immex.discharge import balances

    return recomputed_deadlines(balances(ledger, discharges, as_of), as_of, calendar)


def deadline_outlook(
    ledger: Ledger,
    as_of: date,
    *,
    calendar: BusinessCalendar = MEXICO,
    settings: CostSettings | None = None,
) -> DeadlineAlerts:
    """The lots at most 90 days from their deadline or past it, with the cost of each option."""
    from allyshore.immex.costs import deadline_alerts

    lots = _balances(ledger, _discharged(ledger), as_of, calendar)
    return deadline_alerts(lots_as_numbers(lots), as_of, settings)


def certification(
    ledger: Ledger, discharges: Discharges, as_of: date, *, exchange_rate: float | None = None
) -> CertificationFigures:
    """The certification figures of the 12 months to ``as_of``."""
    import polars as pl

    from allyshore.immex.certification import certification_figures
    from allyshore.immex.ledger import lots

    classes = ledger.materials.select("material_id", "class")
    imports = (
        lots(ledger)
        .join(classes, on="material_id", how="left")
        .select("clock_start", "class", (pl.col("value_usd").cast(pl.Float64) / 1_000_000).alias("value_usd"))
    )
    discharged = discharges.frame.select(
        "kind", "date", (pl.col("value_usd").cast(pl.Float64) / 1_000_000).alias("value_usd")
    )
    programs = ledger.programs.filter(pl.col("certification").is_not_null())
    tier = programs["certification"][0] if programs.height else None
    valid_to = programs["certification_valid_to"][0] if programs.height else None
    return certification_figures(
        imports, discharged, as_of, exchange_rate=exchange_rate, tier=tier, tier_valid_to=valid_to
    )


def anexo24_report(ledger: Ledger, as_of: date, *, calendar: BusinessCalendar = MEXICO) -> Anexo24:
    """The Anexo 24 tables of the ledger as of ``as_of``."""
    from allyshore.immex.anexo24 import anexo24_tables

    discharges = _discharged(ledger)
    frame = discharges.frame.filter(discharges.frame["date"] <= as_of)
    return anexo24_tables(ledger, frame, _balances(ledger, discharges, as_of, calendar), as_of)
