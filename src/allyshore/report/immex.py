"""The IMMEX page of the report: balances by material and pedimento, the deadline calendar with its alerts, and
the VAT/IEPS certification figures.

The page is drawn from ready results (:class:`ImmexReportData`: the per-lot balances, the
:class:`~allyshore.immex.costs.DeadlineAlerts` and the
:class:`~allyshore.immex.certification.CertificationFigures`), never computing them; :func:`build` returns the
section, :func:`write_immex_report` writes it as a self-contained page into a folder, atomically, with the
report's styles and scripts.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from allyshore.report.charts import Bar, Segment, legend, stacked_bars
from allyshore.report.sections import Figure, Section, environment

if TYPE_CHECKING:
    import polars as pl

    from allyshore.immex.certification import CertificationFigures
    from allyshore.immex.costs import CostSettings, DeadlineAlerts
    from allyshore.immex.ledger import Ledger
    from allyshore.immex.terms import BusinessCalendar

__all__ = ["LEVEL_COLORS", "ImmexReportData", "build", "calendar_chart", "report_data", "write_immex_report"]

#: Colours of the alert levels in the calendar chart.
LEVEL_COLORS = {
    "expired": "#c92a2a",
    "7": "#e8590c",
    "30": "#f59f00",
    "60": "#74b816",
    "90": "#2b8a3e",
    "later": "#868e96",
}
#: Months the calendar shows ahead of the as-of date.
CALENDAR_MONTHS = 12


@dataclass(frozen=True)
class ImmexReportData:
    """What the IMMEX page shows: ``lots`` has the per-lot balance columns (numbers as floats)."""

    ledger_name: str
    as_of: dt.date
    lots: pl.DataFrame
    alerts: DeadlineAlerts
    certification: CertificationFigures


def report_data(
    ledger: Ledger,
    as_of: dt.date,
    *,
    calendar: BusinessCalendar | None = None,
    settings: CostSettings | None = None,
) -> ImmexReportData:
    """Everything the IMMEX page shows, computed once from the ledger (the analyses run here, before drawing)."""
    from allyshore.immex.costs import deadline_alerts
    from allyshore.immex.discharge import balances, discharge
    from allyshore.immex.outlook import certification, lots_as_numbers, recomputed_deadlines
    from allyshore.immex.terms import MEXICO

    discharges = discharge(ledger)
    lots = lots_as_numbers(recomputed_deadlines(balances(ledger, discharges, as_of), as_of, calendar or MEXICO))
    alerts = deadline_alerts(lots, as_of, settings)
    figures = certification(ledger, discharges, as_of, exchange_rate=settings.exchange_rate if settings else None)
    return ImmexReportData(ledger.source or "ledger", as_of, lots, alerts, figures)


def _month(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def calendar_chart(data: ImmexReportData) -> str:
    """Horizontal bars of the open value (USD) falling due each month of the next year, coloured by alert
    level; lots already expired in one bar of their own. Returns SVG markup (empty text if nothing is due)."""
    import polars as pl

    open_lots = data.lots.filter((pl.col("balance") > 0) & pl.col("deadline").is_not_null())
    horizon = data.as_of + dt.timedelta(days=31 * CALENDAR_MONTHS)
    by_month: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    counts: dict[str, int] = defaultdict(int)
    for deadline, value in open_lots.select("deadline", "value_usd_balance").iter_rows():
        days = (deadline - data.as_of).days
        if deadline > horizon:
            continue
        key = "expired" if days < 0 else _month(deadline)
        level = "expired" if days < 0 else next(
            (name for name, limit in (("7", 7), ("30", 30), ("60", 60), ("90", 90)) if days <= limit), "later"
        )
        by_month[key][level] += float(value or 0.0)
        counts[key] += 1
    if not by_month:
        return ""
    order = sorted(by_month, key=lambda k: "" if k == "expired" else k)
    bars = [
        Bar(
            label="expired" if key == "expired" else key,
            segments=tuple(
                Segment(level, by_month[key][level], LEVEL_COLORS[level], f"{level}: USD {by_month[key][level]:,.2f}")
                for level in LEVEL_COLORS
                if by_month[key].get(level)
            ),
            note=f"{counts[key]} lot(s)",
        )
        for key in order
    ]
    chart = stacked_bars(bars, total=None, value_format="usd", chart_id="immex-calendar",
                         label="Open value falling due by month")
    keys = legend([(("past the deadline" if k == "expired" else f"≤ {k} days" if k != "later" else "later"), c)
                   for k, c in LEVEL_COLORS.items()])
    return str(keys) + str(chart)


def build(data: ImmexReportData) -> Section:
    """The IMMEX section of ready results."""
    import polars as pl
    from markupsafe import Markup

    lots = data.lots.sort("deadline", "pedimento", "sequence", nulls_last=True)
    by_material = (
        data.lots.group_by("material_id")
        .agg(pl.len().alias("lots"), pl.col("balance").sum(), pl.col("value_usd_balance").sum())
        .sort("value_usd_balance", descending=True)
    )
    counts: dict[str, int] = defaultdict(int)
    for alert in data.alerts.alerts:
        counts[alert.level] += 1
    cert = data.certification
    html = environment().get_template("immex.html.j2").render(
        data=data,
        lots=lots.to_dicts(),
        by_material=by_material.to_dicts(),
        alerts=[a.to_dict() for a in data.alerts.alerts],
        calendar=Markup(calendar_chart(data)),
        certification=cert,
        checks=[c.to_dict() for c in cert.checks],
    )
    open_value = float(data.lots["value_usd_balance"].sum() or 0.0)
    figures = (
        Figure("Open value (USD)", f"{open_value:,.2f}", headline=True),
        Figure("Lots past the deadline", str(counts.get("expired", 0)),
               tone="bad" if counts.get("expired") else "good", headline=True),
        Figure("Lots due within 30 days", str(counts.get("7", 0) + counts.get("30", 0)),
               tone="warn" if counts.get("7", 0) + counts.get("30", 0) else "good"),
        Figure(
            "Returned, last 12 months",
            "unknown" if cert.returned_share is None else f"{cert.returned_share:.1%}",
            note="tier A needs 60 % [verify]",
            tone="neutral" if cert.returned_share is None else ("good" if cert.returned_share >= 0.6 else "warn"),
        ),
    )
    return Section(
        id="immex",
        title="IMMEX temporary imports",
        html=Markup(html),
        lead=f"Balances by material and pedimento, deadlines and alerts as of {data.as_of.isoformat()}, and the "
        "figures the VAT/IEPS certification depends on.",
        figures=figures,
        sources=(
            "Terms: Ley Aduanera art. 108; Decreto IMMEX art. 4; months counted by CFF art. 12.",
            "Costs: LA arts. 109, 112, 183; CFF arts. 17-A, 21; LIVA art. 1; user-supplied TIGIE rates and INPC.",
            "Certification: LIVA art. 28-A; RGCE rules 7.1.2 and 7.1.3 [verify]. See docs/immex.md.",
        ),
    )


def write_immex_report(data: ImmexReportData, out_dir: str | Path) -> Path:
    """Write the IMMEX page into ``out_dir`` (``index.html``), whole or not at all; return its path."""
    from allyshore.io.atomic import atomic_path
    from allyshore.report import MARKER, Report, check_target, render_report

    out_dir = Path(out_dir)
    check_target(out_dir)
    section = build(data)
    report = Report(
        network_name=data.ledger_name,
        title=f"IMMEX report: {data.ledger_name}",
        sections=(section,),
        generated=dt.datetime.now(dt.UTC).replace(microsecond=0),
    )
    html = render_report(report)
    with atomic_path(out_dir, directory=True) as tmp:
        (tmp / "index.html").write_text(html, encoding="utf-8")
        (tmp / MARKER).write_text(f"allyshore IMMEX report of {data.ledger_name}, {report.generated.isoformat()}\n")
    return out_dir / "index.html"
