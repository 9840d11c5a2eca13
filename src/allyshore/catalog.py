"""The analyses a run can be: a name and its options (the command line's, by name) -> the analysis's result.

One table for every surface: the command line's ``exposure``, ``origin network``, ``cost network``, ``stress``,
``simulate``, ``optimize plan`` and ``capacity match`` build their results through the functions here, and the web
platform's runs (:mod:`allyshore.web`) through :func:`run_analysis`, so ``GET /api/v1/runs/{id}/result`` is the
JSON the command's ``--json`` prints for the same options, and the two cannot drift apart.

Options are checked by a pydantic model per analysis (unknown names refused; ``choke-points`` and
``choke_points`` alike). Only options that name no file are options here: a server never reads a path a caller
gives (trust policy, assumptions, tariff files); the command line passes those to the functions as keywords.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticError

from allyshore.conventions import Progress
from allyshore.errors import InputError

if TYPE_CHECKING:
    from allyshore.model import Network
    from allyshore.results import Result

__all__ = [
    "ANALYSES",
    "Analysis",
    "CapacityMatchOptions",
    "CostOptions",
    "ExposureOptions",
    "OptimizeOptions",
    "OriginOptions",
    "SimulateOptions",
    "StressOptions",
    "optimize_values",
    "parse_options",
    "run_analysis",
]


def _dashed(name: str) -> str:
    return name.replace("_", "-")


class _Options(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, alias_generator=_dashed)


class ExposureOptions(_Options):
    """``allyshore exposure``'s options."""

    choke_points: int = Field(25, ge=0, le=10_000)


class OriginOptions(_Options):
    """``allyshore origin network``'s options."""

    good: str | None = None
    as_of: dt.date | None = None
    designate: Literal["given", "none", "all", "auto"] = "given"


class CostOptions(_Options):
    """``allyshore cost network``'s options."""

    as_of: dt.date | None = None
    strict_duties: bool = False


class _CandidateOptions(_Options):
    stock_in_transit: bool = True
    with_candidates: bool = False
    qualification_weeks: float | None = Field(None, ge=0)
    ramp_up_weeks: float | None = Field(None, ge=0)


class StressOptions(_CandidateOptions):
    """``allyshore stress``'s options (``--sites A1,A2`` as ``["A1", "A2"]`` or ``"A1,A2"``)."""

    by: Literal["site", "node"] = "site"
    sites: list[str] = Field(default_factory=list)
    country: list[str] = Field(default_factory=list)
    tier: list[str] = Field(default_factory=list)
    crossing: list[str] = Field(default_factory=list)
    ttr_weeks: float | None = Field(None, ge=0)
    inventory_destroyed: bool = False
    line_stoppers: bool = True


class SimulateOptions(_CandidateOptions):
    """``allyshore simulate``'s options."""

    runs: int = Field(1000, ge=1, le=1_000_000)
    seed: int = 0


class OptimizeOptions(_Options):
    """``allyshore optimize plan``'s options (repeatable ones as lists)."""

    as_of: dt.date | None = None
    min_trusted_share: float | None = None
    trusted_level: str | None = None
    trusted_scope: str | None = None
    max_country_share: list[str] = Field(default_factory=list)
    no_adversary: bool = False
    no_adversary_item: list[str] = Field(default_factory=list)
    min_sources: list[str] = Field(default_factory=list)
    max_source_share: float | None = None
    min_share_when_used: float | None = None
    qualification_cost: float | None = None
    max_changes: int | None = None
    risk_weight: float | None = None
    keep_originating: bool | None = None
    require_originating: list[str] = Field(default_factory=list)
    resilience: bool = False
    resilience_site: list[str] = Field(default_factory=list)
    allow_unknown_costs: bool = False
    require_capacity: bool = False
    mip_gap: float | None = None
    time_limit: float | None = Field(None, gt=0)


class CapacityMatchOptions(_Options):
    """``allyshore capacity match``'s options."""

    within_km: float = Field(300.0, gt=0)
    near: str | None = None
    min_employees: int | None = Field(None, ge=0)
    top: int = Field(10, ge=1, le=1000)


def _split(values: list[str]) -> list[str]:
    return [part.strip() for v in values for part in v.split(",") if part.strip()]


def _terms(options: _CandidateOptions) -> Any:
    """The candidate terms asked for (False when candidates are not used)."""
    from allyshore.resilience.candidates import DEFAULT_QUALIFICATION_WEEKS, DEFAULT_RAMP_UP_WEEKS, CandidateTerms

    if not options.with_candidates:
        if options.qualification_weeks is not None or options.ramp_up_weeks is not None:
            raise InputError("--qualification-weeks and --ramp-up-weeks need --with-candidates")
        return False
    return CandidateTerms(
        DEFAULT_QUALIFICATION_WEEKS if options.qualification_weeks is None else options.qualification_weeks,
        DEFAULT_RAMP_UP_WEEKS if options.ramp_up_weeks is None else options.ramp_up_weeks,
    )


# ---------------------------------------------------------------------- the analyses, as the commands run them


def exposure(network: Network, options: ExposureOptions, *, policy: Path | None = None) -> Result:
    from allyshore.exposure import exposure as run

    return run(network, policy=policy, max_choke_points=options.choke_points)


def origin(network: Network, options: OriginOptions) -> Result:
    from allyshore.origin.from_network import determine_network

    return determine_network(network, good=options.good, as_of=options.as_of, designate=options.designate)


def cost(
    network: Network,
    options: CostOptions,
    *,
    policy: Path | None = None,
    assumptions: Path | None = None,
    tariffs: tuple[Path, ...] = (),
) -> Result:
    from allyshore.cost import network_cost
    from allyshore.cost.assumptions import load_assumptions

    book = load_assumptions(assumptions, tariffs=tariffs)
    return network_cost(
        network, as_of=options.as_of, policy=policy, assumptions=book, strict_duties=options.strict_duties
    )


def stress(
    network: Network,
    options: StressOptions,
    *,
    policy: Path | None = None,
    progress: Progress | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
) -> Result:
    from allyshore.resilience.stress import stress_test

    return stress_test(
        network,
        by=options.by,
        sites=_split(options.sites),
        country=_split(options.country),
        crossing=_split(options.crossing),
        tier=_split(options.tier),
        policy=policy,
        ttr_weeks=options.ttr_weeks,
        inventory_destroyed=options.inventory_destroyed,
        stock_in_transit=options.stock_in_transit,
        with_candidates=_terms(options),
        line_stoppers=options.line_stoppers,
        progress=progress,
        scheduler=scheduler,
        workers=workers,
    )


def simulate(
    network: Network,
    options: SimulateOptions,
    *,
    assumptions: Path | None = None,
    progress: Progress | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
) -> Result:
    from allyshore.resilience.montecarlo import simulate as run

    return run(
        network,
        runs=options.runs,
        seed=options.seed,
        scheduler=scheduler,
        workers=workers,
        assumptions=assumptions,
        stock_in_transit=options.stock_in_transit,
        with_candidates=_terms(options),
        progress=progress,
    )


def optimize_values(options: OptimizeOptions) -> dict[str, Any]:
    """The plan options given (unset ones left to the plan file and the defaults), as :func:`optimize` takes them."""
    from allyshore.optimize.options import parse_country_caps, parse_min_sources

    out: dict[str, Any] = {}
    if options.max_country_share:
        out["max_country_share"] = parse_country_caps(options.max_country_share)
    if options.min_sources:
        overall, per_item = parse_min_sources(options.min_sources)
        if overall is not None:
            out["min_sources"] = overall
        if per_item:
            out["min_sources_per_item"] = per_item
    given: dict[str, Any] = {
        "min_trusted_share": options.min_trusted_share,
        "trusted_level": options.trusted_level,
        "trusted_scope": options.trusted_scope,
        "no_adversary": options.no_adversary,
        "no_adversary_items": options.no_adversary_item,
        "max_source_share": options.max_source_share,
        "min_share_when_used": options.min_share_when_used,
        "qualification_cost": options.qualification_cost,
        "max_changes": options.max_changes,
        "risk_weight": options.risk_weight,
        "keep_originating": options.keep_originating,
        "require_originating": options.require_originating,
        "resilience": options.resilience,
        "resilience_sites": options.resilience_site,
        "allow_unknown_costs": options.allow_unknown_costs,
        "require_capacity": options.require_capacity,
        "mip_gap": options.mip_gap,
        "time_limit": options.time_limit,
    }
    for key, value in given.items():
        if value is None or value is False or value == []:
            continue
        out[key] = tuple(value) if isinstance(value, list) else value
    if options.keep_originating is False:
        out["keep_originating"] = False
    return out


def optimize(
    network: Network,
    options: OptimizeOptions,
    *,
    policy: Path | None = None,
    assumptions: Path | None = None,
    progress: Progress | None = None,
) -> Result:
    from allyshore.optimize import optimize as run

    return run(
        network,
        as_of=options.as_of,
        policy=policy,
        assumptions=assumptions,
        progress=progress,
        **optimize_values(options),
    )


def capacity_match(network: Network, options: CapacityMatchOptions, *, data_dir: Path | None = None) -> Result:
    from allyshore.capacity.match import capacity_match as run

    return run(
        network,
        data=data_dir,
        within_km=options.within_km,
        near=options.near,
        min_employees=options.min_employees,
        top=options.top,
    )


# ---------------------------------------------------------------------- the table


@dataclass(frozen=True)
class Analysis:
    """One analysis a run can be: its name, the command it mirrors, its options and how to run it."""

    name: str
    command: str
    options: type[_Options]
    run: Callable[[Network, Any, Progress | None, Mapping[str, Any]], Result]


def _no_progress(
    function: Callable[..., Result], *settings: str
) -> Callable[[Network, Any, Progress | None, Mapping[str, Any]], Result]:
    def run(network: Network, options: Any, progress: Progress | None, server: Mapping[str, Any]) -> Result:
        return function(network, options, **{k: server[k] for k in settings if server.get(k) is not None})

    return run


def _with_progress(
    function: Callable[..., Result], *settings: str
) -> Callable[[Network, Any, Progress | None, Mapping[str, Any]], Result]:
    def run(network: Network, options: Any, progress: Progress | None, server: Mapping[str, Any]) -> Result:
        chosen = {k: server[k] for k in settings if server.get(k) is not None}
        return function(network, options, progress=progress, **chosen)

    return run


#: Every analysis a run can be, by the name the API takes.
ANALYSES: dict[str, Analysis] = {
    a.name: a
    for a in (
        Analysis("exposure", "allyshore exposure", ExposureOptions, _no_progress(exposure)),
        Analysis("origin", "allyshore origin network", OriginOptions, _no_progress(origin)),
        Analysis("cost", "allyshore cost network", CostOptions, _no_progress(cost)),
        Analysis("stress", "allyshore stress", StressOptions, _with_progress(stress, "scheduler", "workers")),
        Analysis("simulate", "allyshore simulate", SimulateOptions, _with_progress(simulate, "scheduler", "workers")),
        Analysis("optimize", "allyshore optimize plan", OptimizeOptions, _with_progress(optimize)),
        Analysis(
            "capacity-match",
            "allyshore capacity match",
            CapacityMatchOptions,
            _no_progress(capacity_match, "data_dir"),
        ),
    )
}


def _analysis(name: str) -> Analysis:
    try:
        return ANALYSES[name]
    except KeyError:
        raise InputError(f"unknown analysis {name!r}: use one of {', '.join(ANALYSES)}") from None


def parse_options(name: str, options: Mapping[str, Any]) -> dict[str, Any]:
    """The options of analysis ``name`` checked, as JSON (names with underscores, defaults filled in).

    Raises
    ------
    InputError
        Unknown analysis, unknown option, or a value of the wrong type; the message names the option.
    """
    analysis = _analysis(name)
    cleaned = {str(k).removeprefix("--"): v for k, v in options.items()}
    try:
        model = analysis.options.model_validate(cleaned)
    except PydanticError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "options"
        raise InputError(f"{name} option {where!r}: {first['msg']}") from None
    return model.model_dump(mode="json")


def run_analysis(
    name: str,
    network: Network,
    options: Mapping[str, Any],
    *,
    progress: Progress | None = None,
    server: Mapping[str, Any] | None = None,
) -> Result:
    """Run analysis ``name`` on ``network`` with ``options`` (as :func:`parse_options` takes them).

    ``server`` holds the settings of the machine, not of the caller: ``scheduler`` and ``workers`` (Dask) and
    ``data_dir`` (the capacity data)."""
    analysis = _analysis(name)
    model = analysis.options.model_validate(parse_options(name, options))
    return analysis.run(network, model, progress, server or {})
