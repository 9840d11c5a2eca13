"""Default tables and the user's assumptions file: every input of the cost model with its source.

The shipped tables live in ``allyshore/data/cost/`` (one CSV each, ``source`` and
``source_date`` on every row). An assumptions file (TOML) overrides any of them::

    [parameters]            # any key of data/cost/parameters.csv
    carrying_rate = 0.20
    service_level = 0.98

    [layers]                # switch tariff layers on or off
    ieepa_fentanyl = false

    [countries.MX]          # projection paths per country
    wage_inflation = 0.08
    fx_change_per_year = -0.02

    [lanes.ocean_asia_us_west]
    transit_days = 28
    freight_rate_usd = 3100

    [originating]           # USMCA-originating goods, "site/item" = true
    "PL/G" = true

    tariff_files = ["my_tariffs.csv"]   # your own measure tables (CSV or TOML), relative to this file

    [[tariff]]              # extra measure rows (docs/tariffs.md); the same measure_id replaces a shipped row
    measure_id = "igi-853650"
    layer = "mfn"
    importer = "MX"
    hts_prefix = "853650"
    rate_ad_valorem = 0.05
    source = "TIGIE 2025, 8536.50.99"

Every value carries its :class:`Assumption` record (key, value, source, date,
and whether it came from the defaults or the user's file), which each result lists.

>>> book = default_assumptions()
>>> book.parameter("hmf_rate")
0.00125
>>> book.source_of("parameters.hmf_rate").startswith("Harbor maintenance fee")
True
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from allyshore.cost.measures import LAYERS, TARIFF_COLUMNS, combine, measures_from_rows, read_measures_file
from allyshore.cost.measures import shipped_measures as _shipped_measures
from allyshore.errors import PolicyError
from allyshore.io.text import read_text_file
from allyshore.results import Result

if TYPE_CHECKING:
    from allyshore.trust.policy import PolicySource

TABLE_FILES = ("mpf", "parameters", "lanes", "crossings", "countries", "risk_tiers")
__all__ = ["LAYERS", "TARIFF_COLUMNS", "Assumption", "AssumptionBook", "default_assumptions", "load_assumptions"]


@dataclass(frozen=True)
class Assumption(Result):
    """One input of the model: its key, value, unit, source, date and where it came from."""

    key: str
    value: Any
    source: str
    date: str = ""
    origin: str = "default"  # default | file | argument | network | origin engine | stress test
    unit: str = ""

    json_keys = ("key", "value", "unit", "source", "date", "origin")


def read_table(name: str) -> pl.DataFrame:
    """A shipped default table of ``data/cost`` as a DataFrame (text columns; the tariff measures typed)."""
    return _read_table(name).clone()


@cache
def _read_table(name: str) -> pl.DataFrame:
    if name == "tariff_measures":
        return _shipped_measures()
    text = (files("allyshore") / "data" / "cost" / f"{name}.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    return pl.DataFrame(rows, schema=dict.fromkeys(rows[0] if rows else {"x": ""}, pl.String), orient="row")


def tariff_frame(rows: list[dict[str, Any]], origin: str = "default") -> pl.DataFrame:
    """Typed measure rows from mappings (missing optional columns take their defaults)."""
    return measures_from_rows(rows, f"{origin} tariff rows", id_prefix=origin)


@dataclass(frozen=True, eq=False)
class AssumptionBook:
    """The effective tables and parameters after the user's overrides, with provenance."""

    parameters: Mapping[str, Assumption]
    tariffs: pl.DataFrame
    mpf: pl.DataFrame
    lanes: pl.DataFrame
    crossings: pl.DataFrame
    countries: pl.DataFrame
    risk_tiers: pl.DataFrame
    layers: Mapping[str, bool] = field(default_factory=dict)  # layer switches given by the user
    originating: Mapping[str, bool] = field(default_factory=dict)  # "site/item" -> USMCA-originating
    overrides: tuple[Assumption, ...] = ()  # table overrides (lanes, countries) from the user's file
    path: str | None = None

    def parameter(self, key: str) -> float:
        try:
            return float(self.parameters[key].value)
        except KeyError as exc:
            raise PolicyError(f"unknown cost parameter '{key}'") from exc

    def source_of(self, key: str) -> str:
        table, _, name = key.partition(".")
        if table == "parameters":
            return self.parameters[name].source
        raise KeyError(key)

    def parameter_assumption(self, key: str) -> Assumption:
        item = self.parameters[key]
        return replace(item, key=f"parameters.{key}")

    def with_parameters(self, **values: float) -> AssumptionBook:
        """A copy with some parameters set by a caller (recorded with origin 'argument')."""
        params = dict(self.parameters)
        for key, value in values.items():
            if key not in params:
                raise PolicyError(f"unknown cost parameter '{key}'")
            params[key] = replace(params[key], value=float(value), source="set by the caller", origin="argument")
        return replace(self, parameters=params)

    def with_tariffs(self, table: pl.DataFrame | str | Path) -> AssumptionBook:
        """A copy with the measure rows of ``table`` (a frame, or a CSV/TOML file) added; a row with the id
        of an existing row replaces it (docs/tariffs.md)."""
        where = str(table) if not isinstance(table, pl.DataFrame) else "tariff rows"
        frame = table if isinstance(table, pl.DataFrame) else read_measures_file(table)
        note = Assumption(
            f"tariff_file.{Path(where).name}",
            frame.height,
            f"{frame.height} measure row(s) from {where}",
            origin="file",
        )
        return replace(self, tariffs=combine(self.tariffs, frame), overrides=(*self.overrides, note))

    def with_layers(self, **switches: bool) -> AssumptionBook:
        for name in switches:
            if name not in LAYERS:
                raise PolicyError(f"unknown tariff layer '{name}' (one of {', '.join(LAYERS)})")
        return replace(self, layers={**self.layers, **switches})


def default_assumptions() -> AssumptionBook:
    """The shipped defaults, unchanged."""
    return _defaults()


@cache
def _defaults() -> AssumptionBook:
    params = {
        row["key"]: Assumption(
            key=row["key"],
            value=float(row["value"]),
            source=row["source"],
            date=row["source_date"],
            unit=row["unit"],
        )
        for row in _read_table("parameters").iter_rows(named=True)
    }
    return AssumptionBook(
        parameters=params,
        tariffs=_read_table("tariff_measures"),
        mpf=_read_table("mpf"),
        lanes=_read_table("lanes"),
        crossings=_read_table("crossings"),
        countries=_read_table("countries"),
        risk_tiers=_read_table("risk_tiers"),
    )


def defaults_toml(book: AssumptionBook | None = None) -> str:
    """An assumptions file holding every default parameter, lane and country path, each with its source:
    a template to copy and edit.

    >>> text = defaults_toml()
    >>> load_assumptions(text=text).parameter("carrying_rate")
    0.25
    """
    book = book or default_assumptions()
    lines = ["# allyshore landed-cost assumptions: every default with its source; edit and pass --assumptions", ""]
    lines.append("[parameters]")
    for key, item in book.parameters.items():
        lines.append(f"# {item.source} ({item.date}){' [' + item.unit + ']' if item.unit else ''}")
        lines.append(f"{key} = {item.value!r}")
    lines += ["", "[layers]  # switch tariff layers on or off (defaults: the enabled column of each measure row)"]
    lines += [f"# {name} = true" for name in LAYERS if name != "mfn"]
    for row in book.lanes.iter_rows(named=True):
        lines += ["", f"[lanes.{row['lane_type']}]", f"# {row['source']} ({row['source_date']})"]
        for column in ("transit_days", "transit_sd_days", "freight_rate_usd", "payload_kg", "shipments_per_year"):
            if row[column] not in (None, ""):
                lines.append(f"{column} = {float(row[column])!r}")
    for row in book.countries.iter_rows(named=True):
        if row["country"] == "*":
            continue
        lines += ["", f"[countries.{row['country']}]", f"# {row['source']} ({row['source_date']})"]
        for column in ("wage_inflation", "other_inflation", "fx_change_per_year"):
            lines.append(f"{column} = {float(row[column])!r}")
    lines += [
        "",
        '# [originating]          USMCA-originating goods, "site/item" = true',
        "# [[tariff]]             extra measure rows: layer, importer, hts_prefix, origin, rate_ad_valorem,",
        "#                        effective_from, effective_to, usmca_exempt, source ... (see docs/tariffs.md)",
    ]
    return "\n".join(lines) + "\n"


def load_assumptions(
    path: str | Path | None = None, text: str | None = None, *, tariffs: Sequence[str | Path] = ()
) -> AssumptionBook:
    """The defaults overridden by an assumptions TOML file (given by ``path`` or as ``text``), then by the measure
    rows of each ``tariffs`` file (CSV or TOML, in order; see :meth:`AssumptionBook.with_tariffs`).

    Raises
    ------
    PolicyError
        A file cannot be read, is not TOML, or names an unknown parameter, lane, layer or column.
    """
    book = _load_assumptions(path, text)
    for table in tariffs:
        book = book.with_tariffs(table)
    return book


def _load_assumptions(path: str | Path | None, text: str | None) -> AssumptionBook:
    book = default_assumptions()
    if path is None and text is None:
        return book
    where = str(path) if path is not None else "assumptions"
    try:
        raw = read_text_file(path, "assumptions", error=PolicyError) if path is not None else str(text)
        data = tomllib.loads(raw)
    except OSError as exc:
        raise PolicyError(f"cannot read the assumptions file {where}: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{where} is not valid TOML: {exc}") from exc
    known = {"parameters", "layers", "countries", "lanes", "originating", "tariff", "tariff_files"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise PolicyError(f"{where}: unknown section(s) {', '.join(unknown)} (known: {', '.join(sorted(known))})")
    params = dict(book.parameters)
    for key, value in dict(data.get("parameters", {})).items():
        if key not in params:
            raise PolicyError(f"{where}: [parameters] {key} is not a cost parameter (see data/cost/parameters.csv)")
        params[key] = replace(params[key], value=float(value), source=f"assumptions file {where}", origin="file")
    layers = {str(k): bool(v) for k, v in dict(data.get("layers", {})).items()}
    for name in layers:
        if name not in LAYERS:
            raise PolicyError(f"{where}: [layers] {name} is not a tariff layer ({', '.join(LAYERS)})")
    overrides: list[Assumption] = []
    countries = _override_rows(
        book.countries, "country", dict(data.get("countries", {})), where, "countries", overrides, new_rows=True
    )
    lanes = _override_rows(book.lanes, "lane_type", dict(data.get("lanes", {})), where, "lanes", overrides)
    tariffs = book.tariffs
    extra = [dict(r) for r in list(data.get("tariff", []))]
    if extra:
        rows = measures_from_rows(extra, f"{where} [[tariff]]", id_prefix="user")
        tariffs = combine(tariffs, rows)
        overrides.extend(
            Assumption(f"tariff.{r['measure_id']}", r["rate_ad_valorem"], str(r["source"]), origin="file")
            for r in rows.select("measure_id", "rate_ad_valorem", "source").iter_rows(named=True)
        )
    base_dir = Path(path).parent if path is not None else Path.cwd()
    for name in list(data.get("tariff_files", [])):  # the user's own measure tables, CSV or TOML
        table = read_measures_file(base_dir / str(name))
        tariffs = combine(tariffs, table)
        overrides.append(
            Assumption(
                f"tariff_file.{name}", table.height, f"{table.height} measure row(s) from {where}", origin="file"
            )
        )
    originating = {str(k): bool(v) for k, v in dict(data.get("originating", {})).items()}
    return replace(
        book,
        parameters=params,
        layers=layers,
        countries=countries,
        lanes=lanes,
        tariffs=tariffs,
        originating=originating,
        overrides=tuple(overrides),
        path=where,
    )


def _override_rows(
    frame: pl.DataFrame,
    key_column: str,
    changes: Mapping[str, Any],
    where: str,
    section: str,
    log: list[Assumption],
    new_rows: bool = False,
) -> pl.DataFrame:
    if not changes:
        return frame
    rows = {r[key_column]: dict(r) for r in frame.iter_rows(named=True)}
    for key, values in changes.items():
        if key not in rows:
            if not new_rows:
                raise PolicyError(f"{where}: [{section}.{key}] is not a known {key_column} ({', '.join(rows)})")
            rows[key] = {**rows.get("*", {}), key_column: key}
        for column, value in dict(values).items():
            if column not in frame.columns or column in (key_column, "source", "source_date"):
                raise PolicyError(f"{where}: [{section}.{key}] {column} is not a column you can set")
            rows[key][column] = str(value)
            log.append(Assumption(f"{section}.{key}.{column}", value, f"assumptions file {where}", origin="file"))
        rows[key]["source"] = f"assumptions file {where} (over: {rows[key].get('source', '')})"
    return pl.DataFrame(list(rows.values()), schema=frame.schema, orient="row")


# --------------------------------------------------------------------------- what every costing starts from

#: What a costing takes as its ``assumptions``: a book, the path of its TOML file, or None for the shipped defaults.
Assumptions = AssumptionBook | str | Path | None

#: Parameters every option uses, listed in each result with their source.
GLOBAL_PARAMETERS = (
    "carrying_rate",
    "service_level",
    "demand_cv",
    "insurance_rate",
    "hmf_rate",
    "broker_fee_per_entry",
    "truck_arrival_fee",
    "mpf_exempt_usmca",
    "prepaid_in_transit",
    "travel_audit_rate",
    "quality_rework_rate",
    "ip_risk_rate",
    "warranty_rate",
    "opportunity_rate_per_week",
    "strategic_rate",
    "labour_share",
    "local_currency_share",
    "projection_years",
    "discount_rate",
)


def as_book(assumptions: Assumptions) -> AssumptionBook:
    """The assumption book a costing's ``assumptions`` argument names: the book itself, or the file it is read from
    (the shipped defaults for None)."""
    if isinstance(assumptions, AssumptionBook):
        return assumptions
    return load_assumptions(assumptions)


def policy_tiers(policy: PolicySource) -> tuple[Mapping[str, str] | None, tuple[Assumption, ...]]:
    """Country -> trust tier under ``policy`` for the country-risk default, and the assumption naming the policy
    (nothing for the shipped policy, whose tiers the options look up themselves)."""
    if policy is None:
        return None, ()
    from allyshore.trust import resolve_policy, tiers_under

    chosen = resolve_policy(policy)
    assert chosen is not None
    note = Assumption(
        "trust_policy",
        chosen.name,
        f"trust tiers of the country-risk disruption default under this policy (home {chosen.home})",
        origin="argument",
    )
    return tiers_under(chosen), (note,)


def global_assumptions(book: AssumptionBook, as_of: dt.date) -> tuple[Assumption, ...]:
    """The assumptions every option of a costing shares: the date, :data:`GLOBAL_PARAMETERS`, the MPF limits in
    force, the tariff layers switched by the file and its overrides."""
    from allyshore.cost.tariffs import mpf_limits

    mpf = mpf_limits(book.mpf, as_of)
    fee = tuple(
        Assumption(f"mpf.{k}", mpf[k], str(mpf["source"]), str(mpf["date"]), unit=u)
        for k, u in (("rate", "share of value"), ("minimum", "USD per entry"), ("maximum", "USD per entry"))
    )
    layers = tuple(
        Assumption(f"layers.{k}", v, f"assumptions file {book.path}", origin="file") for k, v in book.layers.items()
    )
    return (
        Assumption("as_of", as_of.isoformat(), "tariff tables and fees evaluated on this date", origin="argument"),
        *(book.parameter_assumption(k) for k in GLOBAL_PARAMETERS),
        *fee,
        *layers,
        *book.overrides,
    )
