"""What each way out of the temporary regime costs, for every lot near or past its deadline.

:func:`deadline_alerts` takes the per-lot balances (a frame with the columns of the ledger's ``balances``:
pedimento, sequence, material_id, tariff_item, class, key, balance, value_usd_balance, clock_start, deadline)
and returns, for each lot with a positive balance whose deadline is at most 90 days away or already past, its
alert level and the cost of each option with its legal basis (docs/immex.md):

* ``return`` abroad (pedimento key RT/H1; LA art. 108): no taxes; freight and brokerage only when the
  settings give them (``return_cost_share``), else unknown;
* ``virtual_transfer`` to another IMMEX company (V1; LA art. 112, Decreto IMMEX art. 8): no taxes for the
  transferor; the fees only when the settings give them (``transfer_cost_usd``), else unknown;
* ``change_of_regime`` to definitive import (F4/F5; LA art. 109): IGI at the user's TIGIE rate, DTA
  (LFD art. 49 fr. I), VAT 16 % (LIVA arts. 1, 24-I, 27) and the inflation update of the IGI from the
  import month (LA art. 109; CFF art. 17-A);
* after the deadline, ``regularise`` (A3; RGCE rule 2.5.2 [verify]): the same taxes, each updated
  (CFF art. 17-A) and with surcharges (recargos, CFF art. 21) from the import month, plus the fine of
  LA art. 183-II (per 15-day period or fraction late, spontaneous) — the LA arts. 178/183-III range if the
  authority finds the goods first is given beside it.

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
from decimal import Decimal, InvalidOperation
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
DTA_RATE = 0.008  # LFD art. 49 fr. I: 8 al millar of the customs value [verify for F4/A3]
#: Surcharges per month of delay: the LIF 2026 extension rate (1.38 %) increased by 50 % (CFF art. 21) [verify].
RECARGOS_MONTHLY = 0.0207
#: LA art. 183-II fine per 15-day period or fraction, MXN, amounts per DOF 27 Dec 2025 (docs/immex.md) [verify].
FINE_MXN_PER_PERIOD = (3020.0, 4560.0)
#: LA art. 183-III / 178: fine when the authority finds the goods, as a share of the omitted taxes [verify].
FINE_DISCOVERED_SHARE = (1.30, 1.50)
#: CFF art. 21: surcharges run for at most five years.
RECARGOS_MAX_MONTHS = 60


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
    recargos_monthly: float = RECARGOS_MONTHLY
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
    recargos_monthly = 0.0207    # CFF art. 21 with the LIF rate of the year
    fine_mxn_per_period = [3020, 4560]
    return_cost_share = 0.03     # freight and brokerage of a return, share of the lot's value
    transfer_cost_usd = 150      # fees of one virtual transfer
    [inpc]                       # INEGI's INPC by month
    "2025-02" = 140.1
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
        recargos_monthly=v if (v := _positive(data, "recargos_monthly", path)) is not None else RECARGOS_MONTHLY,
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


def update_factor(inpc: Mapping[str, float], start: date, paid: date) -> tuple[float | None, str | None]:
    """CFF art. 17-A: INPC of the month before the payment month over the INPC of the month before the import
    month; at least 1. ``(None, why)`` when either index is missing."""
    recent, oldest = _month_before(paid), _month_before(start)
    missing = [m for m in (oldest, recent) if m not in inpc]
    if missing:
        return None, f"INPC of {', '.join(missing)} not given (settings [inpc]; CFF art. 17-A)"
    return max(1.0, inpc[recent] / inpc[oldest]), None


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
    ``recargos``, ``periods`` (LA art. 183-II, 15 days or fraction late), ``fine_min``/``fine_max`` (null without
    an exchange rate), ``freight``. Columnar: no loop over lots."""
    import polars as pl

    s = settings
    rates = pl.DataFrame(
        {"tariff_item": list(s.tariff_rates), "_rate": list(s.tariff_rates.values())},
        schema={"tariff_item": pl.String, "_rate": pl.Float64},
    )
    inpc = pl.DataFrame(
        {"_old_month": list(s.inpc), "_old_inpc": list(s.inpc.values())},
        schema={"_old_month": pl.String, "_old_inpc": pl.Float64},
    )
    recent = s.inpc.get(_month_before(as_of))
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
            factor=(pl.lit(recent, dtype=pl.Float64) / pl.col("_old_inpc")).clip(lower_bound=1.0),
            periods=((pl.lit(as_of) - pl.col("deadline")).dt.total_days() / 15).ceil().cast(pl.Int64).clip(0),
        )
        .with_columns(vat=(value + pl.col("igi") + pl.col("dta")) * s.vat_rate)
        .with_columns(
            update=pl.col("igi") * (pl.col("factor") - 1),
            taxes=pl.col("igi") + pl.col("dta") + pl.col("vat"),
        )
        .with_columns(updated=pl.col("taxes") * pl.col("factor"))
        .with_columns(
            recargos=pl.col("updated") * s.recargos_monthly * pl.col("months"),
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
    return out.drop("_rate", "_old_month", "_old_inpc", "_whole")


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
        basis += f"; late: fine LA art. 183-II, {row['periods']} period(s) of 15 days or fraction, spontaneous [verify]"
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
        # a transfer needs goods still within their term (LA arts. 108, 112) [verify]
        out.append(
            Option(
                "virtual_transfer",
                None if s.transfer_cost_usd is None else _round(s.transfer_cost_usd),
                "LA art. 112; Decreto IMMEX art. 8; pedimento V1: no taxes for the transferring company",
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
                "the import month (CFF art. 17-A)",
                unknown="; ".join(why) or None,
                components=_rounded(parts),
            )
        )
        return tuple(out)
    if fine_why:
        why.append(fine_why)
    taxes, updated = row["taxes"], row["updated"]
    parts = [
        ("taxes", taxes),
        ("update", None if updated is None or taxes is None else updated - taxes),
        ("recargos", row["recargos"]),
        ("fine", row["fine_min"]),
    ]
    discovered = (
        ""
        if taxes is None
        else f"; if the authority finds the goods first: LA arts. 183-III/178, fine USD "
        f"{FINE_DISCOVERED_SHARE[0] * taxes:,.2f}-{FINE_DISCOVERED_SHARE[1] * taxes:,.2f} [verify]"
    )
    out.append(
        Option(
            "regularise",
            _sum(parts),
            f"RGCE rule 2.5.2 (pedimento A3) [verify]: IGI, DTA and VAT updated (CFF art. 17-A) with recargos "
            f"(CFF art. 21, {row['months']} month(s) at {s.recargos_monthly:.2%}) from the import month; fine LA "
            f"art. 183-II, {row['periods']} period(s) of 15 days or fraction, spontaneous{discovered}",
            unknown="; ".join(why) or None,
            cost_usd_max=_sum([*parts[:3], ("fine", row["fine_max"])]),
            components=_rounded(parts),
        )
    )
    return tuple(out)


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
