"""Disruption frequency and duration assumptions for the Monte Carlo, with their defaults and overrides.

Hazard sources (brief §11): every non-customer site (a local event: fire, flood,
strike, bankruptcy) and every country that hosts one (a common shock that takes
all its sites down together). Events arrive as Poisson processes with rate
``rate_per_year``; durations are lognormal with median ``duration_median_weeks``
and log-standard deviation ``duration_sigma``.

No public data set at hand gives per-site disruption frequencies, so the base
rates below are **stated assumptions**, not data: every result lists them and an
assumptions file replaces them. What *is* data is the relative country risk: the
rate of each country (and of each site in it) is multiplied by
``2 ** ((50 - p) / doubling_points)``, where ``p`` is the country's percentile
rank on the World Bank's Political Stability and Absence of Violence indicator
(WGI 2020 update, latest year, CC BY 4.0; package table ``country_risk.csv``): a
country at the median keeps the base rate, one 25 points below doubles it.
A site's default duration median is its own TTR when the data give one.

An assumptions file (TOML)::

    [site]                        # every site
    rate_per_year = 0.05
    duration_median_weeks = 4     # used where the site has no TTR
    duration_sigma = 0.6
    use_site_ttr = true

    [country]                     # every country
    rate_per_year = 0.02
    duration_median_weeks = 8
    duration_sigma = 0.75

    [risk]
    scale_by_country_risk = true
    doubling_points = 25

    [sites.S1]                    # one site (any of the three keys)
    rate_per_year = 0.5

    [countries.CN]                # one country (ISO alpha-2)
    rate_per_year = 0.05
"""

from __future__ import annotations

import csv
import math
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticError

from allyshore.errors import PolicyError
from allyshore.io.text import read_text_file


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HazardDefaults(_Strict):
    rate_per_year: float = Field(ge=0)
    duration_median_weeks: float = Field(gt=0)
    duration_sigma: float = Field(ge=0)


class SiteDefaults(HazardDefaults):
    use_site_ttr: bool = True


class HazardOverride(_Strict):
    rate_per_year: float | None = Field(default=None, ge=0)
    duration_median_weeks: float | None = Field(default=None, gt=0)
    duration_sigma: float | None = Field(default=None, ge=0)


class RiskScaling(_Strict):
    scale_by_country_risk: bool = True
    doubling_points: float = Field(default=25.0, gt=0)


class DisruptionAssumptions(_Strict):
    """Validated assumptions (defaults: :data:`DEFAULT_ASSUMPTIONS`)."""

    site: SiteDefaults = SiteDefaults(rate_per_year=0.05, duration_median_weeks=4.0, duration_sigma=0.6)
    country: HazardDefaults = HazardDefaults(rate_per_year=0.02, duration_median_weeks=8.0, duration_sigma=0.75)
    risk: RiskScaling = RiskScaling()
    sites: dict[str, HazardOverride] = Field(default_factory=dict)
    countries: dict[str, HazardOverride] = Field(default_factory=dict)
    source: str = "default"

    def describe(self) -> list[str]:
        """The assumptions in words, for every output that uses them."""
        lines = [
            f"Site events: {self.site.rate_per_year:g} per site-year (assumption, not from a data set), lognormal "
            f"durations with median "
            + ("the site's TTR, else " if self.site.use_site_ttr else "")
            + f"{self.site.duration_median_weeks:g} weeks and sigma {self.site.duration_sigma:g}.",
            f"Country events (all sites of the country down together): {self.country.rate_per_year:g} per "
            f"country-year (assumption), lognormal durations with median {self.country.duration_median_weeks:g} "
            f"weeks and sigma {self.country.duration_sigma:g}.",
        ]
        if self.risk.scale_by_country_risk:
            lines.append(
                "Rates scaled by 2^((50 - p) / "
                f"{self.risk.doubling_points:g}), p = the country's percentile rank on WGI Political Stability and "
                "Absence of Violence (World Bank, WGI 2020 update, CC BY 4.0); unknown countries keep the base rate."
            )
        if self.sites or self.countries:
            lines.append(
                f"Overrides for {len(self.sites)} site(s) and {len(self.countries)} country(ies) from {self.source}."
            )
        lines.append(
            "Each event is a full outage; overlapping events in a year merge into one (union of sites, span of "
            "times); an event's loss counts in the year it starts; losses from the TTR model (§4) are interpolated "
            "linearly on a grid of durations where a set of sites recurs (an upper bound, the loss being convex)."
        )
        return lines


DEFAULT_ASSUMPTIONS = DisruptionAssumptions()


def load_assumptions(path: str | Path | None = None) -> DisruptionAssumptions:
    """The default assumptions, or those of a TOML file (missing keys keep their defaults).

    Raises
    ------
    PolicyError
        The file cannot be read or does not follow the schema (the message names the key).
    """
    if path is None:
        return DEFAULT_ASSUMPTIONS
    path = Path(path)
    try:
        data: dict[str, Any] = tomllib.loads(read_text_file(path, "assumptions", error=PolicyError))
    except tomllib.TOMLDecodeError as error:
        raise PolicyError(f"{path}: not valid TOML: {error}") from error
    merged: dict[str, Any] = {"source": str(path)}
    for key in ("site", "country", "risk"):
        if key in data:
            base = getattr(DEFAULT_ASSUMPTIONS, key).model_dump()
            if not isinstance(data[key], dict):
                raise PolicyError(f"{path}: [{key}] must be a table")
            merged[key] = {**base, **data[key]}
    for key in ("sites", "countries"):
        if key in data:
            merged[key] = data[key]
    unknown = set(data) - {"site", "country", "risk", "sites", "countries"}
    if unknown:
        raise PolicyError(
            f"{path}: unknown section(s) {', '.join(sorted(unknown))} (hint: site, country, risk, sites, countries)"
        )
    try:
        return DisruptionAssumptions.model_validate(merged)
    except PydanticError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise PolicyError(f"{path}: {where}: {first['msg']}") from error


@lru_cache(maxsize=1)
def country_percentiles() -> dict[str, float]:
    """WGI Political Stability percentile rank by ISO alpha-2 (package table country_risk.csv)."""
    text = resources.files("allyshore.data").joinpath("country_risk.csv").read_text()
    return {row["alpha2"]: float(row["wgi_pv_percentile"]) for row in csv.DictReader(text.splitlines())}


def risk_multiplier(country: str, assumptions: DisruptionAssumptions) -> float:
    """Factor on the base rates for a country: 1 at the median WGI PV rank, x2 every ``doubling_points`` lower."""
    if not assumptions.risk.scale_by_country_risk:
        return 1.0
    percentile = country_percentiles().get(country)
    if percentile is None:
        return 1.0
    return float(2.0 ** ((50.0 - percentile) / assumptions.risk.doubling_points))


@dataclass(frozen=True)
class Hazard:
    """One hazard source: a site or a country, its sites, event rate and duration distribution."""

    kind: str  # site | country
    name: str
    country: str
    sites: tuple[int, ...]
    rate_per_year: float
    duration_median_weeks: float
    duration_sigma: float
    nodes: tuple[int, ...] = ()  # the nodes an event stops (its sites' nodes, and a country's distributors)

    @property
    def mu(self) -> float:
        return math.log(self.duration_median_weeks)
