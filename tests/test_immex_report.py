"""The IMMEX report page draws ready results: balances, the deadline calendar with alerts, certification."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from allyshore.immex.certification import certification_figures
from allyshore.immex.costs import CostSettings, deadline_alerts
from allyshore.report.immex import ImmexReportData, build, write_immex_report

AS_OF = date(2026, 7, 1)


def _data() -> ImmexReportData:
    lots = pl.DataFrame({
        "pedimento": ["250734301000001", "250734301000002", "250734301000003"],
        "sequence": [1, 1, 1],
        "material_id": ["R", "R", "S<script>"],
        "tariff_item": ["39269099", "39269099", "73181599"],
        "class": ["input"] * 3,
        "key": ["IN"] * 3,
        "imported": [100.0, 100.0, 10.0],
        "discharged": [20.0, 0.0, 0.0],
        "balance": [80.0, 100.0, 10.0],
        "value_usd_balance": [40.0, 60.0, 12.5],
        "clock_start": [date(2024, 12, 20), date(2025, 1, 20), date(2025, 6, 1)],
        "deadline": [date(2026, 6, 22), date(2026, 7, 20), date(2026, 12, 1)],
    })
    alerts = deadline_alerts(lots, AS_OF, CostSettings())
    imports = lots.select("clock_start", "class", pl.col("imported").alias("value_usd"))
    discharged = pl.DataFrame({"kind": ["return"], "date": [date(2026, 1, 5)], "value_usd": [20.0]})
    return ImmexReportData("demo", AS_OF, lots, alerts, certification_figures(imports, discharged, AS_OF))


def test_the_section_shows_alerts_calendar_and_certification() -> None:
    data = _data()
    # lot 1 expired 22 Jun (9 days ago); lot 2 due 20 Jul (19 days: level "30"); lot 3 in 153 days: no alert
    assert [a.level for a in data.alerts.alerts] == ["expired", "30"]
    section = build(data)
    html = str(section.html)
    assert 'id="immex-calendar"' in html and "2026-07" in html and "2026-12" in html
    assert "expired" in html and "regularise" in html
    assert "S&lt;script&gt;" in html and "S<script>" not in html  # user text escaped
    assert "RGCE rule 7.1.2" in html
    figures = {f.label: f.value for f in section.figures}
    assert figures["Lots past the deadline"] == "1"
    assert figures["Open value (USD)"] == "112.50"  # 40 + 60 + 12.5


def test_the_page_is_written_whole(tmp_path: Path) -> None:
    index = write_immex_report(_data(), tmp_path / "immex")
    text = index.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") or "<html" in text
    assert "IMMEX report: demo" in text
