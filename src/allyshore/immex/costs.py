"""What each way out of the temporary regime costs, for every lot near or past its deadline.

:func:`deadline_alerts` takes the per-lot balances (a frame with the columns of the ledger's ``balances``:
pedimento, sequence, material_id, tariff_item, class, key, balance, value_usd_balance, clock_start, deadline)
and returns, for each lot with a positive balance whose deadline is at most 90 days away or already past, its
alert level and the cost of each option with its legal basis (docs/immex.md):

* ``return`` abroad (pedimento key RT/H1; LA art. 108): no taxes; freight and brokerage only when the
  settings give them (``return_cost_share``), else unknown;
* ``virtual_transfer`` to another IMMEX company (V1; LA art. 112, Decreto IMMEX art. 8): the IGI is deferred
  (LA arts. 112 second paragraph, 63-A) when the receiving company assumes joint liability, which is the
  case priced; the fees only when the settings give them (``transfer_cost_usd``), else unknown;
* ``change_of_regime`` to definitive import (F4/F5; LA art. 109): IGI at the user's TIGIE rate, DTA
  (LFD art. 49 fr. I), VAT 16 % (LIVA arts. 1, 24-I, 27) and the inflation update of the IGI from the
  import month (LA art. 109; CFF art. 17-A);
* after the deadline, ``regularise`` (definitive import, pedimento A3; LA art. 101): the same taxes, each
  updated (CFF art. 17-A) and with surcharges (recargos, CFF art. 21, the rate of each year) from the import
  month. Done spontaneously it carries no fine (LA art. 101 reserves sanctions for when an audit has begun;
  CFF art. 73); ``cost_usd_max`` adds the LA art. 183-II fine a regularisation during an audit pays (RGCE
  rule 2.5.2 as the brief summarises it [verify]), and the LA arts. 178-I/183-III range if the authority
  finds the goods first is given beside it. A late *return* does pay the LA art. 183-II fine.

Every amount the settings cannot support (a tariff item without a rate, a month without an INPC, no
exchange rate for a fine in pesos) makes the option's ``cost_usd`` null with the reason in ``unknown``;
never a 0. Amounts are in US dollars at the import's exchange rate (currency moves are not priced).
"""

from __future__ import annotations

import csv
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from allyshore.errors import InputError
from allyshore.immex.terms import add_months
from allyshore.results import Result, record_frames

if TYPE_CHECKING:
    import polars as pl

__all__ = [
    "ALERT_LEVELS",
    "Alert",
    "CostSettings",
    "DeadlineAlerts",
    "Option",
    "alert_level",
    "deadline_alerts",
    "load_rates",
    "load_settings",
]

#: Alert levels, from the most urgent: past the deadline, then at most 7, 30, 60, 90 days left.
ALERT_LEVELS: tuple[tuple[str, int], ...] = (("7", 7), ("30", 30), ("60", 60), ("90", 90))

VAT_RATE = 0.16  # LIVA art. 1
#: LFD art. 49 fr. I: 8 al millar of the value for IGI purposes, for operations not in its other fractions (a
#: definitive import such as an F4 or A3 pedimento; the fixed fees of fr. III/IV and the fr. III minimum per
#: pedimento are not modelled).
DTA_RATE = 0.008
#: The monthly rate the Ley de Ingresos de la Federación sets for extensions (prórroga) of tax debts, by year:
#: LIF 2026 art. 11 fr. I (DOF 7 Nov 2025): 1.38 %; LIF 2023-2025 art. 8 fr. I: 0.98 % [S: LIF summaries,
#: docs/immex.md "Legal points"]. A year not listed has no known rate.
LIF_EXTENSION_RATES: dict[int, str] = {2023: "0.98", 2024: "0.98", 2025: "0.98", 2026: "1.38"}
#: LA art. 183-II fine per 15-day period or fraction, MXN, amounts updated DOF 27 Dec 2025.
FINE_MXN_PER_PERIOD = (3020.0, 4560.0)
#: LA arts. 183-III and 178-I: when the authority discovers the missing return, 130-150 % of the omitted
#: foreign-trade taxes (the IGI: LA art. 51; not the VAT or the DTA) ...
FINE_DISCOVERED_SHARE = (1.30, 1.50)
#: ... or 30-50 % of the goods' commercial value when they are exempt or a treaty preference applies.
FINE_DISCOVERED_EXEMPT_SHARE = (0.30, 0.50)
#: CFF art. 21: surcharges run for at most five years.
RECARGOS_MAX_MONTHS = 60


def mora_rate(lif_rate_percent: str) -> float:
    """The monthly surcharge rate of CFF art. 21 (as a fraction) from the LIF rate in percent: increased by 50 %,
    taken to the hundredth of a percent, a thousandth of 5 or more rounding up (``"1.38"`` -> 0.0207)."""
    percent = (Decimal(lif_rate_percent) * Decimal("1.5")).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return float(percent / 100)


#: Monthly surcharge rates by calendar year (CFF art. 21 on :data:`LIF_EXTENSION_RATES`): 1.47 % to 2025, 2.07 % in 2026.
RECARGOS_BY_YEAR: dict[int, float] = {year: mora_rate(rate) for year, rate in LIF_EXTENSION_RATES.items()}


@dataclass(frozen=True)
class CostSettings:
    """What the costs need beyond the ledger: the TIGIE ad-valorem rates by tariff item (fractions), the
    INPC by month ("YYYY-MM"), the exchange rate (MXN per USD) for fines in pesos, and optional freight and
    transfer costs. Every legal rate has a default with its source; the settings file may override it."""

    tariff_rates: Mapping[str, float] = field(default_factory=dict)
    inpc: Mapping[str, float] = field(default_factory=dict)
    exchange_rate: float | None = None
    vat_rate: float = VAT_RATE
    dta_rate: float = DTA_RATE
    #: one monthly surcharge rate for every month (overrides ``recargos_by_year``); None: the rate of each year
    recargos_monthly: float | None = None
    recargos_by_year: Mapping[int, float] = field(default_factory=lambda: dict(RECARGOS_BY_YEAR))
    fine_mxn_per_period: tuple[float, float] = FINE_MXN_PER_PERIOD
    return_cost_share: float | None = None
    transfer_cost_usd: float | None = None


@dataclass(frozen=True)
class Option(Result):
    """One way out of the temporary regime and its cost (``cost_usd`` None: unknown, ``unknown`` says why)."""

    action: str
    cost_usd: float | None
    basis: str
    unknown: str | None = None
    cost_usd_max: float | None = None
    components: tuple[tuple[str, float | None], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"action": self.action, "cost_usd": self.cost_usd, "basis": self.basis}
        if self.unknown:
            out["unknown"] = self.unknown
        if self.cost_usd_max is not None:
            out["cost_usd_max"] = self.cost_usd_max
        if self.components:
            out["components"] = dict(self.components)
        return out


@dataclass(frozen=True)
class Alert(Result):
    """A lot near or past its deadline and what each option costs."""

    pedimento: str
    sequence: int
    material_id: str
    balance: float
    deadline: date
    days_left: int
    level: str
    options: tuple[Option, ...]
    tariff_item: str = ""
    value_usd_balance: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "pedimento": self.pedimento,
            "sequence": self.sequence,
            "material_id": self.material_id,
            "balance": self.balance,
            "deadline": self.deadline.isoformat(),
            "days_left": self.days_left,
            "level": self.level,
            "options": [o.to_dict() for o in self.options],
        }


@dataclass(frozen=True)
class DeadlineAlerts(Result):
    """``immex deadlines``: the lots at most 90 days from their deadline or past it, the most urgent first."""

    as_of: date
    alerts: tuple[Alert, ...]

    def to_dict(self) -> dict[str, Any]:
        """Exactly the keys of the ``immex deadlines --json`` contract (issue 15): ``{"alerts": [...]}``."""
        return {"alerts": [a.to_dict() for a in self.alerts]}

    def frames(self) -> dict[str, pl.DataFrame]:
        options = [
            {"pedimento": a.pedimento, "sequence": a.sequence, "material_id": a.material_id, **o.to_dict()}
            for a in self.alerts
            for o in a.options
        ]
        lots = [
            {
                "as_of": self.as_of.isoformat(),
                **{k: v for k, v in a.to_dict().items() if k != "options"},
                "tariff_item": a.tariff_item,
                "value_usd_balance": a.value_usd_balance,
            }
            for a in self.alerts
        ]
        return record_frames(alerts=lots, options=options)


def alert_level(days_left: int) -> str | None:
    """``"expired"`` past the deadline (the deadline day itself is still within the term), else the first of
    7/30/60/90 days that ``days_left`` does not exceed, else None (no alert)."""
    if days_left < 0:
        return "expired"
    for name, limit in ALERT_LEVELS:
        if days_left <= limit:
            return name
    return None


# ---------------------------------------------------------------------------------------------- settings


def _number(text: str, path: Path, row: int, column: str) -> float:
    try:
        value = Decimal(text.strip().rstrip("%").strip())
    except InvalidOperation:
        raise InputError(f"{path}: row {row}, column {column}: {text!r} is not a number; write e.g. 5 for 5%") from None
    if not value.is_finite() or value < 0:
        raise InputError(f"{path}: row {row}, column {column}: {text!r} must be a finite number >= 0")
    return float(value)


def load_rates(path: str | Path | None) -> dict[str, float]:
    """The TIGIE ad-valorem rates of a CSV file with columns ``tariff_item,rate``: the rate in percent as the
    TIGIE prints it (``5`` is 5 %; ``Ex.``/``Ex`` is exempt, 0). A blank rate is left out (unknown)."""
    if path is None:
        return {}
    from allyshore.io.text import read_text_file

    path = Path(path)
    rows = list(csv.DictReader(read_text_file(path, "tariff rates").splitlines()))
    if not rows or not {"tariff_item", "rate"} <= set(rows[0]):
        raise InputError(f"{path}: the rates file needs the columns tariff_item,rate (rate in percent, e.g. 5)")
    rates: dict[str, float] = {}
    for i, row in enumerate(rows, start=2):
        item = (row.get("tariff_item") or "").strip().replace(".", "")
        text = (row.get("rate") or "").strip()
        if not item.isdigit() or len(item) != 8:
            raise InputError(f"{path}: row {i}, column tariff_item: {item!r} is not an 8-digit TIGIE item")
        if not text:
            continue
        if text.lower().rstrip(".") == "ex":
            rates[item] = 0.0
            continue
        rates[item] = _number(text, path, i, "rate") / 100
    return rates


def _positive(data: Mapping[str, Any], key: str, path: Path) -> float | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise InputError(f"{path}: {key} must be a number >= 0")
    return float(value)


def load_settings(path: str | Path | None, tariff_rates: Mapping[str, float] | None = None) -> CostSettings:
    """Cost settings from a TOML file (None: the defaults, no INPC, no exchange rate)::

    exchange_rate = 18.20        # MXN per USD, for fines fixed in pesos
    vat_rate = 0.16              # LIVA art. 1
    dta_rate = 0.008             # LFD art. 49 fr. I
    fine_mxn_per_period = [3020, 4560]
    return_cost_share = 0.03     # freight and brokerage of a return, share of the lot's value
    transfer_cost_usd = 150      # fees of one virtual transfer
    [inpc]                       # INEGI's INPC by month
    "2025-02" = 140.1
    [recargos_by_year]           # monthly surcharge rates (CFF art. 21) added to or replacing the defaults
    "2027" = 0.0207

    ``recargos_monthly = 0.0207`` instead applies one rate to every month.
    """
    rates = dict(tariff_rates or {})
    if path is None:
        return CostSettings(tariff_rates=rates)
    from allyshore.io.text import read_text_file

    path = Path(path)
    try:
        data = tomllib.loads(read_text_file(path, "cost settings"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML ({exc})") from None
    allowed = {f for f in CostSettings.__dataclass_fields__ if f != "tariff_rates"}
    unknown = set(data) - allowed
    if unknown:
        raise InputError(f"{path}: unknown key(s) {', '.join(sorted(unknown))}; use {', '.join(sorted(allowed))}")
    inpc_raw = data.get("inpc", {})
    if not isinstance(inpc_raw, dict):
        raise InputError(f'{path}: [inpc] must be a table of "YYYY-MM" = index')
    inpc: dict[str, float] = {}
    for month, value in inpc_raw.items():
        try:
            date.fromisoformat(f"{month}-01")
        except ValueError:
            raise InputError(f'{path}: [inpc] key {month!r} is not a month; write "YYYY-MM"') from None
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
            raise InputError(f"{path}: [inpc] {month} must be a positive number")
        inpc[month] = float(value)
    by_year_raw = data.get("recargos_by_year", {})
    if not isinstance(by_year_raw, dict):
        raise InputError(f'{path}: [recargos_by_year] must be a table of "YYYY" = monthly rate, e.g. "2026" = 0.0207')
    by_year = dict(RECARGOS_BY_YEAR)
    for year, value in by_year_raw.items():
        if not (str(year).isdigit() and len(str(year)) == 4):
            raise InputError(f'{path}: [recargos_by_year] key {year!r} is not a year; write "YYYY"')
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1:
            raise InputError(f"{path}: [recargos_by_year] {year} must be a monthly rate as a fraction, e.g. 0.0207")
        by_year[int(year)] = float(value)
    fine = data.get("fine_mxn_per_period", list(FINE_MXN_PER_PERIOD))
    if not (isinstance(fine, list) and len(fine) == 2 and all(isinstance(v, int | float) for v in fine)):
        raise InputError(f"{path}: fine_mxn_per_period must be [min, max] in pesos")
    defaults = CostSettings()
    return CostSettings(
        tariff_rates=rates,
        inpc=inpc,
        exchange_rate=_positive(data, "exchange_rate", path),
        vat_rate=_positive(data, "vat_rate", path) or defaults.vat_rate,
        dta_rate=v if (v := _positive(data, "dta_rate", path)) is not None else defaults.dta_rate,
        recargos_monthly=_positive(data, "recargos_monthly", path),
        recargos_by_year=by_year,
        fine_mxn_per_period=(float(fine[0]), float(fine[1])),
        return_cost_share=_positive(data, "return_cost_share", path),
        transfer_cost_usd=_positive(data, "transfer_cost_usd", path),
    )


# ------------------------------------------------------------------------------------------------ kernels


def months_or_fraction(start: date, end: date) -> int:
    """Months from ``start`` to ``end``, a started month counting whole (CFF art. 21: "por cada mes o
    fracción"); 0 when ``end`` is not after ``start``."""
    if end <= start:
        return 0
    months = (end.year - start.year) * 12 + end.month - start.month
    if add_months(start, months) > end:
        months -= 1
    return months + (1 if add_months(start, months) < end else 0)


def _month_before(day: date) -> str:
    year, month = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def _factor(recent: float, oldest: float) -> float:
    """CFF art. 17-A: ``recent / oldest`` taken to the ten-thousandth (last paragraph: factors are computed
    "hasta el diezmilésimo"; the digits beyond are dropped), and 1 when that is below 1 (fifth paragraph)."""
    ratio = (Decimal(repr(recent)) / Decimal(repr(oldest))).quantize(Decimal("0.0001"), ROUND_DOWN)
    return max(1.0, float(ratio))


def update_factor(inpc: Mapping[str, float], start: date, paid: date) -> tuple[float | None, str | None]:
    """CFF art. 17-A: INPC of the month before the payment month over the INPC of the month before the import
    month, to four decimals; at least 1. ``(None, why)`` when either index is missing."""
    recent, oldest = _month_before(paid), _month_before(start)
    missing = [m for m in (oldest, recent) if m not in inpc]
    if missing:
        return None, f"INPC of {', '.join(missing)} not given (settings [inpc]; CFF art. 17-A)"
    return _factor(inpc[recent], inpc[oldest]), None


def recargos_rate(start: date, months: int, settings: CostSettings) -> tuple[float | None, str | None]:
    """CFF art. 21: the sum of the monthly surcharge rates of the ``months`` months of delay counted from
    ``start``, each month at the rate of the year it falls in ("la tasa que resulte de sumar las aplicables en
    cada año para cada uno de los meses"); ``settings.recargos_monthly``, when given, for every month.
    ``(None, why)`` when a month's year has no rate."""
    if settings.recargos_monthly is not None:
        return settings.recargos_monthly * months, None
    first = start.year * 12 + start.month - 1
    years = [(first + k) // 12 for k in range(months)]
    missing = sorted({y for y in years if y not in settings.recargos_by_year})
    if missing:
        return None, (
            f"no surcharge rate for {', '.join(map(str, missing))} (settings [recargos_by_year]: the Ley de "
            "Ingresos rate of the year + 50 %, CFF art. 21)"
        )
    return sum(settings.recargos_by_year[y] for y in years), None


def _round(value: float) -> float:
    return round(value, 2) + 0.0  # + 0.0: no "-0.0"


def _sum(parts: list[tuple[str, float | None]]) -> float | None:
    return None if any(v is None for _, v in parts) else _round(sum(v for _, v in parts if v is not None))


def _rounded(parts: list[tuple[str, float | None]]) -> tuple[tuple[str, float | None], ...]:
    return tuple((n, None if v is None else _round(v)) for n, v in parts)


def amounts(frame: pl.DataFrame, as_of: date, settings: CostSettings) -> pl.DataFrame:
    """The amounts of every option, one column each, for the lots of ``frame`` (value_usd_balance, tariff_item,
    clock_start, deadline): ``igi`` (null without a rate), ``dta``, ``vat``, ``factor`` (CFF art. 17-A, null
    without both INPC), ``update`` (of the IGI), ``taxes``, ``updated``, ``months`` (CFF art. 21, at most 60),
    ``recargos_rate`` (the sum of the months' rates, null when a year has none), ``recargos``, ``periods`` (LA
    art. 183-II, 15 days or fraction late), ``fine_min``/``fine_max`` (null without an exchange rate),
    ``freight``. Columnar: no loop over lots (the loops run over the INPC months and the surcharge years)."""
    import polars as pl

    s = settings
    rates = pl.DataFrame(
        {"tariff_item": list(s.tariff_rates), "_rate": list(s.tariff_rates.values())},
        schema={"tariff_item": pl.String, "_rate": pl.Float64},
    )
    recent = s.inpc.get(_month_before(as_of))
    factors = {} if recent is None else {month: _factor(recent, index) for month, index in s.inpc.items()}
    inpc = pl.DataFrame(
        {"_old_month": list(factors), "_factor": list(factors.values())},
        schema={"_old_month": pl.String, "_factor": pl.Float64},
    )
    value = pl.col("value_usd_balance")
    # months or fraction from the clock start to as_of (CFF art. 21), as months_or_fraction does
    whole = (as_of.year - pl.col("clock_start").dt.year().cast(pl.Int64)) * 12 + (
        as_of.month - pl.col("clock_start").dt.month().cast(pl.Int64)
    )
    shifted = pl.col("clock_start").dt.offset_by(pl.format("{}mo", pl.col("_whole")))
    out = (
        frame.with_columns(pl.col("tariff_item").cast(pl.String))
        .join(rates, on="tariff_item", how="left")
        .with_columns(_old_month=pl.col("clock_start").dt.offset_by("-1mo").dt.strftime("%Y-%m"), _whole=whole)
        .join(inpc, on="_old_month", how="left")
        .with_columns(_whole=pl.when(shifted > pl.lit(as_of)).then(pl.col("_whole") - 1).otherwise(pl.col("_whole")))
        .with_columns(
            months=pl.when(pl.col("clock_start") >= pl.lit(as_of))
            .then(0)
            .otherwise(pl.col("_whole") + (shifted < pl.lit(as_of)).cast(pl.Int64))
            .clip(upper_bound=RECARGOS_MAX_MONTHS),
            igi=value * pl.col("_rate"),
            dta=value * s.dta_rate,
            factor=pl.col("_factor"),
            periods=((pl.lit(as_of) - pl.col("deadline")).dt.total_days() / 15).ceil().cast(pl.Int64).clip(0),
        )
        .with_columns(vat=(value + pl.col("igi") + pl.col("dta")) * s.vat_rate)
        .with_columns(
            update=pl.col("igi") * (pl.col("factor") - 1),
            taxes=pl.col("igi") + pl.col("dta") + pl.col("vat"),
        )
        .with_columns(updated=pl.col("taxes") * pl.col("factor"), recargos_rate=_recargos_rate_expr(s))
        .with_columns(
            recargos=pl.col("updated") * pl.col("recargos_rate"),
            fine_min=pl.min_horizontal(
                pl.col("periods") * s.fine_mxn_per_period[0] / pl.lit(s.exchange_rate, dtype=pl.Float64), value
            ),
            fine_max=pl.min_horizontal(
                pl.col("periods") * s.fine_mxn_per_period[1] / pl.lit(s.exchange_rate, dtype=pl.Float64), value
            ),
            freight=value * pl.lit(s.return_cost_share, dtype=pl.Float64),
        )
    )
    if s.exchange_rate is None:  # min_horizontal skips nulls: keep the fine unknown
        out = out.with_columns(fine_min=pl.lit(None, dtype=pl.Float64), fine_max=pl.lit(None, dtype=pl.Float64))
    return out.drop("_rate", "_old_month", "_factor", "_whole")


def _recargos_rate_expr(settings: CostSettings) -> pl.Expr:
    """:func:`recargos_rate` column-wise over ``clock_start`` and ``months``: the months of each year are the
    overlap of the delay's month indices ``[m0, m0 + months)`` with the year's ``[12 y, 12 y + 12)``; null when
    the years with a rate do not cover every month."""
    import polars as pl

    months = pl.col("months").cast(pl.Int64)
    if settings.recargos_monthly is not None:
        return months.cast(pl.Float64) * settings.recargos_monthly
    first = pl.col("clock_start").dt.year().cast(pl.Int64) * 12 + pl.col("clock_start").dt.month().cast(pl.Int64) - 1
    rate, covered = pl.lit(0.0), pl.lit(0, dtype=pl.Int64)
    for year, monthly in settings.recargos_by_year.items():
        overlap = (
            pl.min_horizontal(first + months, pl.lit(12 * year + 12)) - pl.max_horizontal(first, pl.lit(12 * year))
        ).clip(0)
        rate, covered = rate + overlap * monthly, covered + overlap
    return pl.when(covered == months).then(rate).otherwise(None)


def _options(row: Mapping[str, Any], as_of: date, settings: CostSettings, expired: bool) -> tuple[Option, ...]:
    """The options of one alerted lot from its precomputed :func:`amounts` (assembly only, no arithmetic
    beyond sums)."""
    s = settings
    why: list[str] = []
    item = row["tariff_item"] or "(none)"
    if row["igi"] is None:
        why.append(f"no TIGIE rate for tariff item {item} (--rates FILE)")
    if row["factor"] is None:
        missing = [m for m in (row["_inpc_old"], _month_before(as_of)) if m not in s.inpc]
        why.append(f"INPC of {', '.join(missing)} not given (settings [inpc]; CFF art. 17-A)")
    fine_why = "no exchange rate for the fine in pesos (settings exchange_rate)" if row["fine_min"] is None else None
    freight_why = None if row["freight"] is not None else "freight and brokerage unknown: set return_cost_share"
    out: list[Option] = []
    parts: list[tuple[str, float | None]] = [("freight", row["freight"])]
    basis = "LA art. 108; pedimento RT (Anexo 22 Ap. 2): no taxes on the return"
    if expired:
        parts.append(("fine", row["fine_min"]))
        basis += (
            f"; late: fine LA art. 183-II (MXN 3,020-4,560 per period, DOF 27 Dec 2025), {row['periods']} period(s) "
            "of 15 days or fraction, spontaneous return, at most the goods' value"
        )
    out.append(
        Option(
            "return",
            _sum(parts),
            basis,
            unknown="; ".join(w for w in (freight_why, fine_why if expired else None) if w) or None,
            cost_usd_max=_sum([parts[0], ("fine", row["fine_max"])]) if expired else None,
            components=_rounded(parts),
        )
    )
    if not expired:
        # a transfer is of goods still under the temporary regime: past the term they are illegally in the
        # country, the regime having ended (LA art. 108, paragraph after fr. III)
        out.append(
            Option(
                "virtual_transfer",
                None if s.transfer_cost_usd is None else _round(s.transfer_cost_usd),
                "LA art. 112; Decreto IMMEX art. 8; pedimento V1: the IGI is deferred (LA arts. 112 second "
                "paragraph, 63-A) when the receiving company assumes joint liability; otherwise it is determined "
                "and paid on the transfer pedimento",
                unknown=None if s.transfer_cost_usd is not None else "fees unknown: set transfer_cost_usd",
            )
        )
        parts = [("igi", row["igi"]), ("dta", row["dta"]), ("vat", row["vat"]), ("update", row["update"])]
        out.append(
            Option(
                "change_of_regime",
                _sum(parts),
                ("LA art. 109 (pedimento F5)" if row["_fixed"] else "LA art. 109 (pedimento F4)")
                + ": IGI (TIGIE), DTA (LFD art. 49 fr. I), VAT (LIVA arts. 1, 27; creditable), IGI updated from "
                "the import month (LA art. 109; CFF art. 17-A)",
                unknown="; ".join(why) or None,
                components=_rounded(parts),
            )
        )
        return tuple(out)
    if row["recargos_rate"] is None:
        why.append(recargos_rate(row["clock_start"], row["months"], s)[1] or "no surcharge rate")
    taxes, updated = row["taxes"], row["updated"]
    parts = [
        ("taxes", taxes),
        ("update", None if updated is None or taxes is None else updated - taxes),
        ("recargos", row["recargos"]),
    ]
    rate = "" if row["recargos_rate"] is None else f", rates summing {row['recargos_rate']:.2%}"
    audit = (
        f"; during an audit add the LA art. 183-II fine, {row['periods']} period(s) of 15 days or fraction "
        "(RGCE rule 2.5.2 as summarised in the IMMEX brief [verify])"
        + ("" if fine_why is None else f": unknown, {fine_why}")
    )
    out.append(
        Option(
            "regularise",
            _sum(parts),
            "LA art. 101 (definitive import, pedimento A3): IGI, DTA and VAT updated (CFF art. 17-A) with "
            f"recargos (CFF art. 21, {row['months']} month(s) at the rate of each year{rate}) from the import "
            f"month; no fine when spontaneous (LA art. 101; CFF art. 73){audit}{_discovered(row)}",
            unknown="; ".join(why) or None,
            cost_usd_max=_sum([*parts, ("fine", row["fine_max"])]),
            components=_rounded(parts),
        )
    )
    return tuple(out)


def _discovered(row: Mapping[str, Any]) -> str:
    """The fine if the authority discovers the missing return first (LA art. 183-III): that of LA art. 178-I,
    130-150 % of the omitted IGI; 30-50 % of the commercial value when the goods are exempt (and when a treaty
    preference applies, which the rates file does not say)."""
    igi, value = row["igi"], row["value_usd_balance"] or 0.0
    low, high = FINE_DISCOVERED_EXEMPT_SHARE
    exempt = f"USD {low * value:,.2f}-{high * value:,.2f} (30-50 % of the commercial value"
    if igi is None:
        return ""
    if igi == 0:
        return f"; if the authority finds the goods first: LA art. 183-III, {exempt}, exempt goods)"
    return (
        f"; if the authority finds the goods first: LA arts. 183-III/178-I, USD {FINE_DISCOVERED_SHARE[0] * igi:,.2f}"
        f"-{FINE_DISCOVERED_SHARE[1] * igi:,.2f} (130-150 % of the omitted IGI), or {exempt} under a treaty "
        "preference)"
    )


def deadline_alerts(lots: pl.DataFrame, as_of: date, settings: CostSettings | None = None) -> DeadlineAlerts:
    """The lots with a positive balance and a deadline at most 90 days away (or past), with their
    level and options, the most urgent first. ``lots`` has the columns of the ledger's per-lot balances;
    ``days_left`` is recomputed from ``deadline`` and ``as_of``."""
    import polars as pl

    settings = settings or CostSettings()
    needed = {
        "pedimento",
        "sequence",
        "material_id",
        "tariff_item",
        "balance",
        "value_usd_balance",
        "clock_start",
        "deadline",
    }
    absent = needed - set(lots.columns)
    if absent:
        raise InputError(f"the lots table lacks column(s) {', '.join(sorted(absent))}")
    frame = lots.with_columns(
        pl.col("balance").cast(pl.Float64),
        pl.col("value_usd_balance").cast(pl.Float64),
        pl.col("deadline").cast(pl.Date),
        pl.col("clock_start").cast(pl.Date),
    )
    frame = frame.with_columns(days_left=(pl.col("deadline") - pl.lit(as_of)).dt.total_days().cast(pl.Int64))
    frame = frame.filter((pl.col("balance") > 0) & pl.col("deadline").is_not_null() & (pl.col("days_left") <= ALERT_LEVELS[-1][1]))
    days = pl.col("days_left")
    level = (
        pl.when(days < 0)
        .then(pl.lit("expired"))
        .when(days <= 7)
        .then(pl.lit("7"))
        .when(days <= 30)
        .then(pl.lit("30"))
        .when(days <= 60)
        .then(pl.lit("60"))
        .otherwise(pl.lit("90"))
    )
    frame = frame.with_columns(level=level).sort(["days_left", "pedimento", "sequence", "material_id"])
    fixed = pl.lit(False)
    if "class" in frame.columns:
        fixed = fixed | (pl.col("class") == "fixed_asset").fill_null(False)
    if "key" in frame.columns:
        fixed = fixed | (pl.col("key") == "AF").fill_null(False)
    frame = amounts(frame.with_columns(_fixed=fixed), as_of, settings).with_columns(
        _inpc_old=pl.col("clock_start").dt.offset_by("-1mo").dt.strftime("%Y-%m"),
        tariff_item=pl.col("tariff_item").fill_null(""),
    )
    alerts = [
        Alert(
            pedimento=str(row["pedimento"]),
            sequence=int(row["sequence"]),
            material_id=str(row["material_id"]),
            balance=row["balance"],
            deadline=row["deadline"],
            days_left=row["days_left"],
            level=row["level"],
            options=_options(row, as_of, settings, row["days_left"] < 0),
            tariff_item=row["tariff_item"],
            value_usd_balance=row["value_usd_balance"] or 0.0,
        )
        for row in frame.iter_rows(named=True)
    ]
    return DeadlineAlerts(as_of=as_of, alerts=tuple(alerts))
