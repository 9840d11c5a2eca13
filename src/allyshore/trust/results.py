"""The results of country trust: the tiers and their rules, each country's tier and score with the inputs behind
them (:class:`CountryTrust`), and the table of every country under one policy (:class:`TrustTable`, from
:func:`allyshore.trust.assess_countries`).
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from allyshore.countries import resolve_country
from allyshore.results import Result
from allyshore.trust.policy import COMPONENTS, TrustPolicy

#: The tiers, most to least trusted.
TIERS: tuple[str, ...] = ("domestic", "usmca", "ally", "aligned", "non_aligned", "adversary")
#: The tiers the analyses call untrusted (the exposure map's untrusted-only items, the report's untrusted share).
UNTRUSTED_TIERS: tuple[str, ...] = ("adversary", "non_aligned")
#: The tiers the report calls trusted: home, USMCA partners and allies (by list, not by score alone).
TRUSTED_TIERS: tuple[str, ...] = ("domestic", "usmca", "ally")

#: A colour per tier for reports and maps (colour-blind-safe blues/greens to orange/red).
TIER_COLORS: dict[str, str] = {
    "domestic": "#1f4e79",
    "usmca": "#2c7fb8",
    "ally": "#41ab5d",
    "aligned": "#a1d99b",
    "non_aligned": "#fdae61",
    "adversary": "#d7301f",
}

RULES: dict[int, str] = {
    1: "home country",
    2: "on an adversary list",
    3: "on a USMCA-partner list",
    4: "on an ally list (FTA or treaty)",
    5: "score at or above the aligned threshold",
    6: "no rule above matched",
}

COMPONENT_LABELS = {
    "un_alignment": "UN General Assembly alignment with the home country",
    "freedom_house": "Freedom House total score",
    "democracy_distance": "Closeness to the home country's Freedom House score",
    "treaty": "Treaty ally of the home country",
    "fta": "Free-trade-agreement partner of the home country",
}


@dataclass(frozen=True)
class InputValue(Result):
    """One input behind a score component, with its source and year."""

    name: str
    value: Any
    source: str
    year: str


@dataclass(frozen=True)
class Component(Result):
    """One component of the score: its inputs, normalised value x in [0, 1], weight and w·x."""

    key: str
    weight: float
    x: float | None
    inputs: tuple[InputValue, ...] = ()
    note: str | None = None

    json_keys = (("component", "key"), "label", "weight", "x", "weighted", "inputs", "note")

    @property
    def label(self) -> str:
        return COMPONENT_LABELS[self.key]

    @property
    def available(self) -> bool:
        return self.x is not None

    @property
    def weighted(self) -> float | None:
        return None if self.x is None else self.weight * self.x


@dataclass(frozen=True)
class ListMatch(Result):
    """The list that decided a tier, with its source and as-of date."""

    list_id: str
    title: str
    source: str
    as_of: str
    via_parent: str | None = None
    member_note: str | None = None

    json_keys = (("list", "list_id"), "title", "source", "as_of", "via_parent", "member_note")


@dataclass(frozen=True)
class CountryTrust(Result):
    """The tier and score of one country, with everything needed to rebuild them by hand."""

    alpha2: str
    name: str
    region: str | None
    tier: str
    rule: int
    matched_list: ListMatch | None
    lists: tuple[str, ...]
    score: float | None
    incomplete: bool
    weight_share: float
    components: tuple[Component, ...]
    notes: tuple[str, ...] = ()

    json_keys = (
        "alpha2", "name", "region", "tier", "rule", "reason", "matched_list", "lists", "score", "incomplete",
        "weight_share", "components", "notes",
    )  # fmt: skip

    @property
    def reason(self) -> str:
        text = f"rule {self.rule}: {RULES[self.rule]}"
        if self.matched_list is not None:
            text += f" ({self.matched_list.list_id}, as of {self.matched_list.as_of})"
        return text

    @property
    def why(self) -> str:
        """A short reason for tables: ``home``, ``usmca (2020-07-01)``, ``score >= 60``, ..."""
        if self.rule == 1:
            return "home"
        if self.matched_list is not None:
            via = f" via {self.matched_list.via_parent}" if self.matched_list.via_parent else ""
            return f"{self.matched_list.list_id} ({self.matched_list.as_of}){via}"
        if self.rule == 5:
            return "score >= threshold"
        return "no score" if self.score is None else "score < threshold"

    def text(self) -> str:
        """A plain-text explanation: tier and rule, then every input, x, w·x and the total."""
        lines = [f"{self.name} ({self.alpha2}): tier {self.tier}, {self.reason}"]
        if self.matched_list is not None:
            lines.append(f"  list: {self.matched_list.title}; {self.matched_list.source}")
        used = [c for c in self.components if c.weight > 0]
        denominator = sum(c.weight for c in used if c.available)
        for c in self.components:
            if c.weight == 0 and not c.available:
                continue
            x = "n/a" if c.x is None else f"{c.x:.4f}"
            wx = "n/a" if c.weighted is None else f"{c.weighted:.4f}"
            lines.append(f"  {c.key}: w={c.weight:g} x={x} w*x={wx}")
            sources: list[str] = []
            for i in c.inputs:
                lines.append(f"    {i.name} = {i.value} ({i.year})")
                if i.source not in sources:
                    sources.append(i.source)
            lines += [f"    source: {s}" for s in sources]
            if c.note:
                lines.append(f"    note: {c.note}")
        if self.score is None:
            lines.append(f"  score: none (only {self.weight_share:.0%} of the weight has data)")
        else:
            total = sum(c.weighted or 0.0 for c in used)
            lines.append(
                f"  score = 100 * {total:.4f} / {denominator:g} = {self.score:.1f}"
                + (f" (incomplete: {self.weight_share:.0%} of the weight has data)" if self.incomplete else "")
            )
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        return f"<pre>{html.escape(self.text())}</pre>"


@dataclass(frozen=True)
class TrustTable(Result):
    """Tiers and scores of every country under one policy (frozen).

    ``selection`` is the countries asked for (all by default); lookups work for every country.
    """

    policy: TrustPolicy
    countries: tuple[CountryTrust, ...]
    selection: tuple[str, ...]
    un_sessions: tuple[int, int] | None
    _index: dict[str, CountryTrust] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {c.alpha2: c for c in self.countries})

    def __len__(self) -> int:
        return len(self.selection)

    def __iter__(self) -> Iterator[CountryTrust]:
        return iter(self.selected)

    @property
    def selected(self) -> tuple[CountryTrust, ...]:
        return tuple(self._index[code] for code in self.selection)

    def explain(self, country: str) -> CountryTrust:
        """Everything behind one country's tier and score; ``str()`` of it reads as a worked sum.

        Unknown codes get a ``non_aligned`` entry with a note.
        """
        code = resolve_country(country)
        if code is not None and code in self._index:
            return self._index[code]
        return CountryTrust(
            alpha2=str(country),
            name=str(country),
            region=None,
            tier="non_aligned",
            rule=6,
            matched_list=None,
            lists=(),
            score=None,
            incomplete=True,
            weight_share=0.0,
            components=(),
            notes=(f"'{country}' is not a known country code or name: treated as non_aligned",),
        )

    def tier_of(self, country: str) -> str:
        """Tier of a country (alpha-2, alpha-3 or English name); unknown codes are ``non_aligned``."""
        return self.explain(country).tier

    def score_of(self, country: str) -> float | None:
        """Trust score 0-100, or None where too little data exists (or the code is unknown)."""
        return self.explain(country).score

    @property
    def tiers(self) -> dict[str, str]:
        """alpha-2 -> tier for every country in the reference table."""
        return {c.alpha2: c.tier for c in self.countries}

    def disagreements(self) -> dict[str, tuple[str, ...]]:
        """Where lists and scores disagree (brief 3.5), for reports to show both.

        ``listed_below_threshold``: USMCA partners and allies whose score is below the
        aligned threshold (e.g. an FTA partner with poor democracy scores);
        ``aligned_without_list``: countries aligned by score alone (no FTA or treaty).

        >>> from allyshore.trust import assess_countries
        >>> found = assess_countries().disagreements()
        >>> "NI" in found["listed_below_threshold"], "CH" in found["aligned_without_list"]
        (True, True)
        """
        threshold = self.policy.tiers.aligned_threshold
        below = tuple(
            c.alpha2 for c in self.selected if c.rule in (3, 4) and c.score is not None and c.score < threshold
        )
        aligned = tuple(c.alpha2 for c in self.selected if c.rule == 5)
        return {"listed_below_threshold": below, "aligned_without_list": aligned}

    def to_frame(self) -> pl.DataFrame:
        rows = []
        for c in self.selected:
            comp = {k.key: k for k in c.components}
            rows.append(
                {
                    "alpha2": c.alpha2,
                    "name": c.name,
                    "region": c.region,
                    "tier": c.tier,
                    "rule": c.rule,
                    "list": None if c.matched_list is None else c.matched_list.list_id,
                    "list_as_of": None if c.matched_list is None else c.matched_list.as_of,
                    "score": c.score,
                    "incomplete": c.incomplete,
                    "weight_share": c.weight_share,
                    **{f"x_{key}": comp[key].x for key in COMPONENTS},
                    "lists": ";".join(c.lists),
                    "notes": " | ".join(c.notes),
                }
            )
        schema: dict[str, Any] = {
            "alpha2": pl.String,
            "name": pl.String,
            "region": pl.String,
            "tier": pl.String,
            "rule": pl.Int64,
            "list": pl.String,
            "list_as_of": pl.String,
            "score": pl.Float64,
            "incomplete": pl.Boolean,
            "weight_share": pl.Float64,
            **{f"x_{key}": pl.Float64 for key in COMPONENTS},
            "lists": pl.String,
            "notes": pl.String,
        }
        return pl.DataFrame(rows, schema=schema)

    def frames(self) -> dict[str, pl.DataFrame]:
        """countries: one row per country shown, tier, score and each component's x."""
        return {"countries": self.to_frame()}

    def to_dict(self) -> dict[str, Any]:
        return {
            "policy": {
                "name": self.policy.name,
                "home": self.policy.home,
                "as_of": None if self.policy.policy.as_of is None else str(self.policy.policy.as_of),
                "aligned_threshold": self.policy.tiers.aligned_threshold,
                "weights": self.policy.score.weights.model_dump(),
                "un_sessions": None if self.un_sessions is None else list(self.un_sessions),
            },
            "tiers": list(TIERS),
            "countries": [c.to_dict() for c in self.selected],
            "disagreements": {k: list(v) for k, v in self.disagreements().items()},
        }

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{h}</th>" for h in ("country", "tier", "score", "rule / list"))
        body = []
        for c in self.selected:
            colour = TIER_COLORS[c.tier]
            score = "" if c.score is None else f"{c.score:.1f}" + ("*" if c.incomplete else "")
            body.append(
                f"<tr><td>{html.escape(c.name)} ({c.alpha2})</td>"
                f'<td><span style="display:inline-block;width:.8em;height:.8em;background:{colour}"></span> '
                f"{c.tier}</td><td style='text-align:right'>{score}</td><td>{html.escape(c.reason)}</td></tr>"
            )
        caption = html.escape(f"Trust under '{self.policy.name}' (home {self.policy.home}); * = incomplete inputs")
        return (
            f"<table><caption>{caption}</caption><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        )
