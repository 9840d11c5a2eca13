"""Trust policies: the rules, weights and official lists behind country tiers, read from TOML.

A policy file has five tables (see ``allyshore trust --show-policy`` for the
default, the United States as home country):

- ``[policy]``: ``name``, ``home`` (ISO alpha-2), ``as_of``, ``notes``;
- ``[tiers]``: the list ids that make a country ``adversary``, ``usmca`` or ``ally``,
  and ``aligned_threshold`` (score at or above which a country is ``aligned``);
- ``[score]``: ``weights`` of the components, ``min_weight_share``, ``un_sessions`` (K),
  optional ``un_session`` (vintage) and ``adversary_cap``, and the ``treaty_lists`` and
  ``fta_lists`` that feed the 0/1 ties components;
- ``[territories]``: non-sovereign territory code -> parent country code;
- ``[lists.<id>]``: ``title``, ``source``, ``url``, ``as_of``, ``members`` (alpha-2 codes),
  optional ``joined`` (code -> year), ``member_notes`` and ``notes``.

>>> policy = load_policy()
>>> policy.home, policy.lists_of("CA")
('US', ('usmca', 'us_fta', 'nato'))
>>> policy.lists_of("HK")  # a territory takes its parent's lists
('us_foreign_adversaries',)
"""

from __future__ import annotations

import tomllib
from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import Any, TypeAlias

import pydantic
import tomli_w
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from allyshore.countries import resolve_country
from allyshore.errors import PolicyError
from allyshore.io.text import read_text_file

DEFAULT_POLICY_NAME = "policy_us.toml"

#: Components of the continuous score, in the order they are reported.
COMPONENTS = ("un_alignment", "freedom_house", "democracy_distance", "treaty", "fta")


def default_policy_text() -> str:
    """The default policy file (United States as home country), as TOML text."""
    return (files("allyshore") / "data" / DEFAULT_POLICY_NAME).read_text(encoding="utf-8")


def _check_code(value: str) -> str:
    code = str(value).strip()
    if code.upper() != code or resolve_country(code) != code:
        hint = resolve_country(code)
        suffix = f" (did you mean '{hint}'?)" if hint else ""
        raise ValueError(f"'{value}' is not an ISO 3166-1 alpha-2 country code{suffix}")
    return code


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PolicyInfo(_Strict):
    name: str
    home: str
    as_of: date | None = None
    notes: list[str] = Field(default_factory=list)

    @field_validator("home")
    @classmethod
    def _home_code(cls, value: str) -> str:
        return _check_code(value)


class TierRules(_Strict):
    adversary_lists: list[str] = Field(default_factory=list)
    usmca_lists: list[str] = Field(default_factory=list)
    ally_lists: list[str] = Field(default_factory=list)
    aligned_threshold: float = Field(ge=0, le=100)


class Weights(_Strict):
    un_alignment: float = Field(default=0.0, ge=0)
    freedom_house: float = Field(default=0.0, ge=0)
    democracy_distance: float = Field(default=0.0, ge=0)
    treaty: float = Field(default=0.0, ge=0)
    fta: float = Field(default=0.0, ge=0)

    @model_validator(mode="after")
    def _some_weight(self) -> Weights:
        if sum(getattr(self, k) for k in COMPONENTS) <= 0:
            raise ValueError("at least one weight must be positive")
        return self


class ScoreRules(_Strict):
    weights: Weights
    min_weight_share: float = Field(default=0.5, ge=0, le=1)
    un_sessions: int = Field(default=1, ge=1, le=10)
    un_session: int | None = Field(default=None, ge=1)
    adversary_cap: float | None = Field(default=None, ge=0, le=100)
    treaty_lists: list[str] = Field(default_factory=list)
    fta_lists: list[str] = Field(default_factory=list)


class CountryList(_Strict):
    title: str
    source: str
    as_of: date
    members: list[str]
    url: str | None = None
    joined: dict[str, int] = Field(default_factory=dict)
    member_notes: dict[str, str] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)

    @field_validator("members")
    @classmethod
    def _codes(cls, members: list[str]) -> list[str]:
        for code in members:
            _check_code(code)
        if len(set(members)) != len(members):
            duplicates = sorted({m for m in members if members.count(m) > 1})
            raise ValueError(f"duplicate members: {', '.join(duplicates)}")
        return members

    @model_validator(mode="after")
    def _keys_are_members(self) -> CountryList:
        for table in ("joined", "member_notes"):
            strays = sorted(set(getattr(self, table)) - set(self.members))
            if strays:
                raise ValueError(f"{table} names codes that are not members: {', '.join(strays)}")
        return self


class TrustPolicy(_Strict):
    """A validated trust policy (frozen). Build it with :func:`load_policy`."""

    policy: PolicyInfo
    tiers: TierRules
    score: ScoreRules
    lists: dict[str, CountryList]
    territories: dict[str, str] = Field(default_factory=dict)

    @field_validator("territories")
    @classmethod
    def _territory_codes(cls, territories: dict[str, str]) -> dict[str, str]:
        for code, parent in territories.items():
            _check_code(code)
            _check_code(parent)
            if parent in territories:
                raise ValueError(f"{code} -> {parent}: a parent may not itself be a territory")
        return territories

    @model_validator(mode="after")
    def _lists_exist(self) -> TrustPolicy:
        if self.policy.home in self.territories:
            raise ValueError(f"territories: the home country {self.policy.home} may not be declared a territory")
        references = {
            "tiers.adversary_lists": self.tiers.adversary_lists,
            "tiers.usmca_lists": self.tiers.usmca_lists,
            "tiers.ally_lists": self.tiers.ally_lists,
            "score.treaty_lists": self.score.treaty_lists,
            "score.fta_lists": self.score.fta_lists,
        }
        for key, ids in references.items():
            unknown = [i for i in ids if i not in self.lists]
            if unknown:
                known = ", ".join(sorted(self.lists)) or "none"
                raise ValueError(f"{key} names unknown list(s) {', '.join(unknown)} (lists defined: {known})")
        return self

    # -- convenience -------------------------------------------------------------------
    @property
    def home(self) -> str:
        return self.policy.home

    @property
    def name(self) -> str:
        return self.policy.name

    def parent_of(self, alpha2: str) -> str | None:
        """The parent country of a declared non-sovereign territory, else None."""
        return self.territories.get(alpha2)

    def lists_of(self, alpha2: str) -> tuple[str, ...]:
        """Ids of the lists a country is on (a territory: its parent's lists), in file order."""
        code = self.territories.get(alpha2, alpha2)
        return tuple(list_id for list_id, entry in self.lists.items() if code in entry.members)

    def to_dict(self) -> dict[str, Any]:
        """The policy as the plain data of its TOML file (keys the file did not set are left out)."""
        return self.model_dump(mode="python", exclude_unset=True)

    def to_toml(self) -> str:
        """The policy as TOML text; :func:`load_policy` reads it back unchanged."""
        return tomli_w.dumps(self.to_dict())


def _location(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def policy_from_dict(data: dict[str, Any], source: str = "policy") -> TrustPolicy:
    """Validate policy data (as parsed from TOML); raises :class:`PolicyError` naming each bad key.

    >>> policy_from_dict({"policy": {"name": "x", "home": "US"}}, "my.toml")
    Traceback (most recent call last):
    ...
    allyshore.errors.PolicyError: my.toml: 3 problem(s): tiers: missing; score: missing; lists: missing
    """
    try:
        return TrustPolicy.model_validate(data)
    except pydantic.ValidationError as exc:
        problems = []
        for error in exc.errors():
            message = str(error["msg"]).removeprefix("Value error, ")
            if error["type"] == "missing":
                message = "missing"
            elif error["type"] == "extra_forbidden":
                message = "unknown key"
            where = tuple(error["loc"])
            problems.append(f"{_location(where)}: {message}" if where else message)
        raise PolicyError(f"{source}: {len(problems)} problem(s): " + "; ".join(problems)) from None


def load_policy(path: str | Path | None = None) -> TrustPolicy:
    """Read and validate a trust policy TOML file; the default US policy when ``path`` is None.

    A user's policy replaces the default as a whole (it must carry its own lists).

    Raises
    ------
    PolicyError
        The file is missing, is not TOML, or a key is unknown, missing or invalid
        (the message names the key, e.g. ``score.weights.un_alignment``).
    """
    if path is None:
        text, source = default_policy_text(), DEFAULT_POLICY_NAME
    else:
        source = str(path)
        text = read_text_file(path, "policy", error=PolicyError)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{source}: not valid TOML: {exc}") from None
    return policy_from_dict(data, source)


#: What an analysis takes as its ``policy``: a policy, the path of its TOML file, or None for the shipped US policy.
PolicySource: TypeAlias = TrustPolicy | str | Path | None


def resolve_policy(policy: PolicySource) -> TrustPolicy | None:
    """The policy an analysis's ``policy`` option names: read when it is a file; None stays None (the shipped
    policy, whose assessment is cached).

    Raises
    ------
    PolicyError
        The file cannot be read or is not a valid policy.
    """
    if policy is None or isinstance(policy, TrustPolicy):
        return policy
    return load_policy(policy)
