"""Build src/allyshore/data/cost/countries.csv: wage inflation per country from manufacturing wage series.

Each country's default is a recent multi-year average of the nominal growth of a published
manufacturing wage series (local currency), computed below from the published figures, which are
typed here with their source. [S] marks a figure read in a secondary source that cites the
statistics office; [verify] one that is not the manufacturing series asked for or not confirmed
in the primary release. Other inflation and FX paths are not forecast (0), and the table says so:
set ``other_inflation`` and ``fx_change_per_year`` per country in an assumptions file.

Run: .venv/bin/python scripts/build_wage_paths.py [--check]
"""

from __future__ import annotations

import csv
import io
import math
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "allyshore" / "data" / "cost" / "countries.csv"
COLUMNS = ("country", "wage_inflation", "other_inflation", "fx_change_per_year", "source", "source_date")
NO_FORECAST = "other inflation and FX: no forecast (0; set your own)"


@dataclass(frozen=True)
class WageSeries:
    country: str
    series: str
    method: str  # "annual": changes per year; "quarterly": changes per quarter; "levels": two levels
    points: tuple[tuple[str, float], ...]  # (period, percent change) or (period, level)
    years: float  # span of "levels", in years
    source: str
    source_date: str
    note: str = ""

    def rate(self) -> float:
        """Average nominal growth a year."""
        if self.method == "levels":
            (_, first), (_, last) = self.points
            return (last / first) ** (1.0 / self.years) - 1.0
        growth = math.prod(1.0 + p / 100.0 for _, p in self.points)
        per_year = 4 if self.method == "quarterly" else 1
        return growth ** (per_year / len(self.points)) - 1.0

    def describe(self) -> str:
        percent = "" if self.method == "levels" else "%"
        figures = ", ".join(f"{period} {value:,g}{percent}" for period, value in self.points)
        how = {
            "annual": "geometric mean of the annual changes",
            "quarterly": "the quarterly changes compounded, per year",
            "levels": f"growth a year between the two levels ({self.years:.2f} years)",
        }[self.method]
        note = f"; {self.note}" if self.note else ""
        return f"{self.series}: {figures}; {how} = {self.rate() * 100:.2f}%{note}. {self.source}; {NO_FORECAST}"


SERIES = (
    WageSeries(
        "US",
        "BLS Employment Cost Index, wages and salaries, manufacturing, seasonally adjusted, change over 3 months",
        "quarterly",
        (
            ("Mar 2024", 1.3),
            ("Jun 2024", 0.7),
            ("Sep 2024", 0.9),
            ("Dec 2024", 0.8),
            ("Mar 2025", 0.8),
            ("Jun 2025", 1.1),
            ("Sep 2025", 0.9),
            ("Dec 2025", 0.6),
        ),
        0,
        "BLS ECI news release, Table 2 (December 2025 data; index Dec 2005=100: Sep 2025 170.810, Dec 2025 "
        "171.920; release date taken as the end of January [verify]), https://www.bls.gov/news.release/eci.t02.htm",
        "2026-01-30",
    ),
    WageSeries(
        "MX",
        "STPS contractual wage revisions, federal jurisdiction, nominal increase weighted by workers, all sectors",
        "annual",
        (("2022", 6.1), ("2023", 7.6), ("2024", 7.0)),
        0,
        "[S] STPS via Fortuna y Poder, early 2024 (2022 and 2023) and El Economista, 15 Jan 2025 (2024), "
        "https://eleconomista.com.mx/capital-humano/2024-salarios-contractuales-alcanzaron-crecimiento-real-mas-alto-"
        "dos-decadas-20250115-742129.html",
        "2025-01-15",
        "[verify] all sectors: the manufacturing revisions ran 8.56, 9.10, 7.88 and 8.52% in Jan-Apr 2025 "
        "(Banxico SIE CA14, STPS; https://www.banxico.org.mx/SieInternet/ cuadro CA14); replaces the 12% "
        "2025 minimum-wage decree, which is not a manufacturing wage series",
    ),
    WageSeries(
        "CN",
        "NBS average annual wage of production, manufacturing and related personnel, enterprises above designated size",
        "annual",
        (("2022", 3.9), ("2023", 6.1), ("2024", 4.1)),
        0,
        "[S] NBS releases of 9 May 2023 (CNY 71,147), 17 May 2024 (CNY 75,463) and 16 May 2025 (CNY 78,561), "
        "as reprinted by news.cnnb.com.cn and kbm75.com, https://www.stats.gov.cn/",
        "2025-05-16",
    ),
    WageSeries(
        "JP",
        "MHLW Monthly Labour Survey, total cash earnings, manufacturing, establishments of 5 or more, annual change",
        "annual",
        (("2022", 1.7), ("2023", 1.7), ("2024", 3.0)),
        0,
        "JILPT Main Labor Economic Indicators, table of average monthly cash earnings (MHLW; the table as read "
        "holds data to Aug 2025, its date taken as 1 Oct 2025 [verify]), https://www.jil.go.jp/english/estatis/eshuyo/e0301.html",
        "2025-10-01",
    ),
    WageSeries(
        "CA",
        "Statistics Canada SEPH average weekly earnings including overtime, all employees, all industries (CAD)",
        "levels",
        (("Nov 2019", 1042.0), ("Oct 2024", 1284.43)),
        59 / 12,
        "[S] Nov 2019: Plant magazine citing SEPH; Oct 2024: The Daily, 19 Dec 2024, "
        "https://www150.statcan.gc.ca/n1/daily-quotidien/241219/dq241219a-eng.htm",
        "2024-12-19",
        "[verify] all industries: manufacturing was CAD 1,158 in Nov 2019 (+3.8% a year) and 1,202.91 in Sep 2021 "
        "(The Daily, 25 Nov 2021); no recent manufacturing level confirmed",
    ),
    WageSeries(
        "TW",
        "DGBAS average monthly regular earnings, industry and services, change over a year",
        "annual",
        (("Jan-Oct 2022", 2.49), ("Aug 2023", 2.67), ("H1 2024", 2.56)),
        0,
        "[S] DGBAS via TVBS (Dec 2022), Taipei Times (14 Oct 2023) and Focus Taiwan (12 Aug 2024), "
        "https://focustaiwan.tw/business/202408120021",
        "2024-08-12",
        "[verify] all industries and services, partial years; no manufacturing-only series confirmed",
    ),
)

FALLBACK = (
    "*",
    "no wage path shipped for this country (DE, KR, VN, IN and others: no manufacturing series confirmed); "
    "give wage_inflation, other_inflation and fx_change_per_year in the assumptions file",
    "2026-01-01",
)


def rows() -> list[dict[str, str]]:
    out = []
    for s in SERIES:
        out.append(
            {
                "country": s.country,
                "wage_inflation": f"{round(s.rate(), 3):.3f}",
                "other_inflation": "0.0",
                "fx_change_per_year": "0.0",
                "source": s.describe(),
                "source_date": s.source_date,
            }
        )
    country, source, date = FALLBACK
    out.append(
        {
            "country": country,
            "wage_inflation": "0.0",
            "other_inflation": "0.0",
            "fx_change_per_year": "0.0",
            "source": source,
            "source_date": date,
        }
    )
    return out


def render() -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows())
    return buffer.getvalue()


def main() -> None:
    text = render()
    if "--check" in sys.argv:
        if OUT.read_text(encoding="utf-8") != text:
            sys.exit(f"{OUT} differs from what {Path(__file__).name} builds: run it without --check")
        return
    OUT.write_text(text, encoding="utf-8")
    for row in rows():
        print(row["country"], row["wage_inflation"])


if __name__ == "__main__":
    main()
