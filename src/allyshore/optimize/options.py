"""The options of a sourcing plan: every constraint is optional, every default leaves it out.

The same names serve the Python call (:func:`allyshore.optimize`), the command line (``--min-trusted-share``) and
a plan file: a TOML file with an ``[optimize]`` table (a trust policy's own tables may sit beside it, so one file
holds the policy and the plan)::

    [optimize]
    min-trusted-share = 0.8
    max-country-share = { CN = 0.10 }
    no-adversary = true
    min-sources = 2
    max-changes = 10
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from allyshore.errors import InputError
from allyshore.io.text import read_text_file
from allyshore.trust.results import TIERS

SCOPES = ("goods", "total", "both")
#: The least share of its (item, site) a source must carry to count towards ``min_sources`` when no
#: ``min_share_when_used`` is given.
MIN_SHARE_COUNTED = 0.05


@dataclass(frozen=True)
class PlanOptions:
    """What the plan must respect and how hard the solver works (see docs/optimize.md)."""

    min_trusted_share: float | None = None  # of each good's value (and/or of the total) from trusted tiers
    trusted_level: str = "ally"  # tiers at or above this one count as trusted
    trusted_scope: str = "goods"  # goods | total | both
    max_country_share: Mapping[str, float] = field(default_factory=dict)  # country -> max share of a good's value
    no_adversary: bool = False  # no flow from an adversary-tier country, for every item
    no_adversary_items: tuple[str, ...] = ()  # ... or for these items only
    min_sources: int | None = None  # sources used per (item, site) with that many choices at least
    min_sources_per_item: Mapping[str, int] = field(default_factory=dict)
    max_source_share: float | None = None  # of an (item, site)'s need from one source, where it has several
    min_share_when_used: float | None = None  # None: 0, or MIN_SHARE_COUNTED when sources are counted
    qualification_cost: float = 0.0  # USD per candidate source brought into use, annualised over the projection
    max_changes: int | None = None  # (item, site, source) shares that move
    risk_weight: float = 0.0  # weight of the priced disruption risk in the objective
    keep_originating: bool | None = None  # None: keep the goods originating today when the origin data allows
    require_originating: tuple[str, ...] = ()
    resilience: bool = False  # time-to-survive >= time-to-recover at every site ...
    resilience_sites: tuple[str, ...] = ()  # ... or at these sites
    allow_unknown_costs: bool = False  # candidates with an unknown duty or price at their known part (else penalised)
    require_capacity: bool = False  # candidates with no capacity left out (else taken as unlimited, and listed)
    capacity: bool = True  # capacity rows of supply nodes and sites with a capacity
    mip_gap: float = 0.005
    time_limit: float | None = None  # seconds

    def __post_init__(self) -> None:
        for name in ("min_trusted_share", "max_source_share"):
            value = getattr(self, name)
            if value is not None and not 0.0 <= value <= 1.0:
                raise InputError(f"{_flag(name)} {value} is not a share between 0 and 1")
        for country, cap in self.max_country_share.items():
            if not 0.0 <= cap <= 1.0:
                raise InputError(f"--max-country-share {country}={cap}: the share must be between 0 and 1")
        if self.min_share_when_used is not None and not 0.0 <= self.min_share_when_used <= 1.0:
            raise InputError(f"--min-share-when-used {self.min_share_when_used} is not a share between 0 and 1")
        if self.trusted_level not in TIERS:
            raise InputError(f"--trusted-level '{self.trusted_level}' is not a tier: use one of {', '.join(TIERS)}")
        if self.trusted_scope not in SCOPES:
            raise InputError(f"--trusted-scope '{self.trusted_scope}': use one of {', '.join(SCOPES)}")
        for name in ("qualification_cost", "risk_weight", "mip_gap"):
            if getattr(self, name) < 0:
                raise InputError(f"{_flag(name)} must not be negative")
        if self.max_changes is not None and self.max_changes < 0:
            raise InputError("--max-changes must not be negative")
        if self.min_sources is not None and self.min_sources < 1:
            raise InputError("--min-sources must be at least 1")
        if self.time_limit is not None and self.time_limit <= 0:
            raise InputError("--time-limit must be positive (seconds)")

    @property
    def trusted_tiers(self) -> tuple[str, ...]:
        """The tiers at or above :attr:`trusted_level`."""
        return TIERS[: TIERS.index(self.trusted_level) + 1]

    @property
    def counts_sources(self) -> bool:
        return bool(self.min_sources or self.min_sources_per_item)

    @property
    def used_min_share(self) -> float:
        """The least share of a source used: the option, else :data:`MIN_SHARE_COUNTED` when sources are counted
        (a source that carries nothing does not count), else 0."""
        if self.min_share_when_used is not None:
            return self.min_share_when_used
        return MIN_SHARE_COUNTED if self.counts_sources else 0.0

    @property
    def needs_used(self) -> bool:
        """Whether the model needs the binary 'source used' per choice."""
        return bool(self.qualification_cost > 0 or self.used_min_share > 0 or self.counts_sources)

    def merged(self, values: Mapping[str, Any]) -> PlanOptions:
        """These options with ``values`` (option names, dashes or underscores) replacing them."""
        return replace(self, **coerce(values, "options"))


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


_NAMES = {f.name for f in fields(PlanOptions)}
_TUPLES = {"no_adversary_items", "require_originating", "resilience_sites"}
_MAPS = {"max_country_share", "min_sources_per_item"}


def coerce(values: Mapping[str, Any], source: str) -> dict[str, Any]:
    """Option values named with dashes or underscores as :class:`PlanOptions` fields (unknown names refused)."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        name = key.replace("-", "_")
        if name not in _NAMES:
            known = ", ".join(sorted(n.replace("_", "-") for n in _NAMES))
            raise InputError(f"{source}: unknown option '{key}' (options: {known})")
        if name in _TUPLES:
            value = (value,) if isinstance(value, str) else tuple(str(v) for v in value)
        elif name in _MAPS:
            if not isinstance(value, Mapping):
                raise InputError(f"{source}: option '{key}' must be a table, e.g. {{ CN = 0.10 }}")
            value = {str(k).upper() if name == "max_country_share" else str(k): v for k, v in value.items()}
        out[name] = value
    return out


def read_plan_file(path: str | Path) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The ``[optimize]`` options of a plan file and the rest of it (a trust policy's tables), None when there is
    no other table."""
    text = read_text_file(path, "plan")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML: {exc}") from None
    table = data.pop("optimize", {})
    if not isinstance(table, dict):
        raise InputError(f"{path}: [optimize] must be a table of options")
    return coerce(table, f"{path} [optimize]"), (data or None)


def parse_country_caps(values: Sequence[str]) -> dict[str, float]:
    """``["CN=0.10", "VN=0.2"]`` -> ``{"CN": 0.1, "VN": 0.2}`` (the command line's ``--max-country-share``)."""
    caps: dict[str, float] = {}
    for text in values:
        country, _, share = text.partition("=")
        try:
            caps[country.strip().upper()] = float(share)
        except ValueError:
            raise InputError(f"--max-country-share '{text}': write COUNTRY=SHARE, e.g. CN=0.10") from None
    return caps


def parse_min_sources(values: Sequence[str]) -> tuple[int | None, dict[str, int]]:
    """``["2", "PUMP=3"]`` -> ``(2, {"PUMP": 3})``: a bare number for every item, ITEM=N for one."""
    overall: int | None = None
    per_item: dict[str, int] = {}
    for text in values:
        item, sep, count = text.rpartition("=")
        try:
            number = int(count)
        except ValueError:
            raise InputError(f"--min-sources '{text}': write N or ITEM=N, e.g. 2 or PUMP=3") from None
        if sep:
            per_item[item.strip()] = number
        else:
            overall = number
    return overall, per_item
