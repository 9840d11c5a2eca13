"""Country trust tiers and the 0-100 trust score under a policy.

Tiers, most to least trusted, by ordered rules (first match wins):

1. ``domestic``: the policy's home country (and territories whose parent is home);
2. ``adversary``: on an adversary list (overrides every later rule);
3. ``usmca``: on a USMCA-partner list;
4. ``ally``: on an FTA or treaty-ally list;
5. ``aligned``: trust score at or above the policy's threshold;
6. ``non_aligned``: everything else.

The score is ``100 * sum_k w_k x_ck / sum_{k available} w_k`` with each component
``x`` in [0, 1] (1 = most trusted); see docs/trust.md.

>>> table = assess_countries()
>>> table.tier_of("MX"), table.tier_of("Germany"), table.tier_of("CN"), table.tier_of("HK")
('usmca', 'ally', 'adversary', 'adversary')
>>> table.tier_of("US")
'domestic'
>>> table.explain("US").components[0].x  # UN alignment of the home country with itself
1.0
>>> table.tier_of("ZZ")
'non_aligned'
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import numpy as np
import polars as pl

from allyshore.countries import country_name, resolve_country
from allyshore.errors import NotFoundError, PolicyError
from allyshore.trust.policy import COMPONENTS, PolicySource, TrustPolicy, load_policy, resolve_policy
from allyshore.trust.reference import CountryTable, country_table
from allyshore.trust.results import Component, CountryTrust, InputValue, ListMatch, TrustTable


def combine_components(x: np.ndarray, weights: np.ndarray, min_weight_share: float) -> tuple[np.ndarray, np.ndarray]:
    """Trust scores from normalised components: ``100 * sum_k w_k x_k / sum_{k available} w_k``.

    ``x`` is countries x components in [0, 1] with NaN where an input is missing;
    ``weights`` are >= 0. Returns the scores (NaN where less than ``min_weight_share``
    of the total weight has data) and that available share per country.

    >>> x = np.array([[1.0, 0.5], [np.nan, 0.5], [np.nan, np.nan]])
    >>> score, share = combine_components(x, np.array([0.5, 0.5]), 0.5)
    >>> score.tolist(), share.tolist()
    ([75.0, 50.0, nan], [1.0, 0.5, 0.0])
    """
    available = ~np.isnan(x)
    used = weights > 0
    available_weight = (available & used) @ weights
    share = available_weight / weights[used].sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        raw = 100.0 * (np.nan_to_num(x) * weights).sum(axis=1) / available_weight
    enough = (share + 1e-12 >= min_weight_share) & (available_weight > 0)
    return np.where(enough, np.round(raw, 6), np.nan), share


def _un_distances(
    policy: TrustPolicy, table: CountryTable, codes: list[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[int, int] | None, list[str]]:
    """Mean |theta_c - theta_home| over the window of sessions: (d, sessions counted, uses parent, window, notes)."""
    n = len(codes)
    points = table.ideal_points
    available_sessions = sorted(set(points["session"].to_list()))
    last = policy.score.un_session or available_sessions[-1]
    k = policy.score.un_sessions
    window = list(range(last - k + 1, last + 1))
    missing = [s for s in window if s not in available_sessions]
    if missing:
        raise PolicyError(
            f"score.un_session / score.un_sessions: sessions {missing[0]}..{missing[-1]} are not in the shipped "
            f"data (sessions {available_sessions[0]}..{available_sessions[-1]})"
        )
    position = {code: i for i, code in enumerate(codes)}
    matrix = np.full((n, k), np.nan)
    sub = points.filter(pl.col("session").is_between(window[0], window[-1]) & pl.col("alpha2").is_in(codes))
    rows = np.array([position[c] for c in sub["alpha2"].to_list()], dtype=np.int64)
    cols = sub["session"].to_numpy() - window[0]
    matrix[rows, cols] = sub["ideal_point"].to_numpy()
    # Territories do not vote: their parent votes for them.
    has_own = ~np.isnan(matrix).all(axis=1)
    via_parent = np.zeros(n, dtype=bool)
    for code, parent in policy.territories.items():
        i, j = position.get(code), position.get(parent)
        if i is not None and j is not None and not has_own[i]:
            matrix[i] = matrix[j]
            via_parent[i] = True
    notes = []
    home = policy.home
    if home not in position or np.isnan(matrix[position[home]]).all():
        notes.append(f"the home country {home} has no UN ideal point in sessions {window[0]}-{window[-1]}")
        return np.full(n, np.nan), np.zeros(n, dtype=np.int64), via_parent, (window[0], window[-1]), notes
    diff = np.abs(matrix - matrix[position[home]])
    counted = (~np.isnan(diff)).sum(axis=1)
    total = np.nan_to_num(diff, nan=0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        distance = np.where(counted > 0, total / np.maximum(counted, 1), np.nan)
    return distance, counted, via_parent, (window[0], window[-1]), notes


def _compute(policy: TrustPolicy, table: CountryTable) -> tuple[tuple[CountryTrust, ...], tuple[int, int] | None]:
    frame = table.frame
    codes: list[str] = frame["alpha2"].to_list()
    names: list[str] = frame["name"].to_list()
    regions: list[str | None] = frame["region"].to_list()
    position = {code: i for i, code in enumerate(codes)}
    home = policy.home
    weights = policy.score.weights
    w = np.array([getattr(weights, k) for k in COMPONENTS], dtype=float)

    distance, counted, un_via_parent, window, un_notes = _un_distances(policy, table, codes)
    finite = distance[~np.isnan(distance)]
    d_max = float(finite.max()) if finite.size else float("nan")
    x_un = 1.0 - distance / d_max if d_max > 0 else np.where(np.isnan(distance), np.nan, 1.0)

    fh = frame["fh_total"].cast(pl.Float64).fill_null(float("nan")).to_numpy().copy()
    x_fh = fh / 100.0
    fh_home = fh[position[home]] if home in position else float("nan")
    x_dd = 1.0 - np.abs(fh - fh_home) / 100.0

    def on_lists(list_ids: list[str]) -> np.ndarray:
        members = {m for i in list_ids for m in policy.lists[i].members}
        return np.array([policy.territories.get(c, c) in members for c in codes], dtype=float)

    x_treaty = on_lists(policy.score.treaty_lists)
    x_fta = on_lists(policy.score.fta_lists)

    x = np.column_stack([x_un, x_fh, x_dd, x_treaty, x_fta])
    score, share = combine_components(x, w, policy.score.min_weight_share)
    incomplete = share < 1.0 - 1e-12

    sources = _Sources(table, window)
    results = []
    for i, code in enumerate(codes):
        results.append(
            _decide(
                policy,
                code,
                names[i],
                regions[i],
                None if np.isnan(score[i]) else float(score[i]),
                bool(incomplete[i]),
                float(share[i]),
                (
                    sources.un(
                        policy, code, x[i, 0], distance[i], d_max, int(counted[i]), bool(un_via_parent[i]), w[0]
                    ),
                    sources.fh(code, x[i, 1], fh[i], w[1]),
                    sources.democracy_distance(home, x[i, 2], fh[i], fh_home, w[2]),
                    sources.lists("treaty", policy, code, policy.score.treaty_lists, x[i, 3], w[3]),
                    sources.lists("fta", policy, code, policy.score.fta_lists, x[i, 4], w[4]),
                ),
                tuple(un_notes),
            )
        )
    return tuple(results), window


def _decide(
    policy: TrustPolicy,
    code: str,
    name: str,
    region: str | None,
    score: float | None,
    incomplete: bool,
    share: float,
    components: tuple[Component, ...],
    notes: tuple[str, ...],
) -> CountryTrust:
    parent = policy.parent_of(code)
    effective = parent or code
    lists = policy.lists_of(code)

    def first(list_ids: list[str]) -> ListMatch | None:
        for list_id in list_ids:
            entry = policy.lists[list_id]
            if effective in entry.members:
                return ListMatch(
                    list_id=list_id,
                    title=entry.title,
                    source=entry.source,
                    as_of=entry.as_of.isoformat(),
                    via_parent=parent,
                    member_note=entry.member_notes.get(effective),
                )
        return None

    extra: list[str] = list(notes)
    if parent:
        extra.append(f"territory of {parent} ({country_name(parent)}): takes its parent's list memberships")
    match: ListMatch | None = None
    if effective == policy.home:
        tier, rule = "domestic", 1
    elif (match := first(policy.tiers.adversary_lists)) is not None:
        tier, rule = "adversary", 2
        cap = policy.score.adversary_cap
        if cap is not None and score is not None and score > cap:
            extra.append(f"score {score:.1f} capped at {cap:g} for adversaries (policy score.adversary_cap)")
            score = float(cap)
    elif (match := first(policy.tiers.usmca_lists)) is not None:
        tier, rule = "usmca", 3
    elif (match := first(policy.tiers.ally_lists)) is not None:
        tier, rule = "ally", 4
    elif score is not None and score >= policy.tiers.aligned_threshold:
        tier, rule = "aligned", 5
    else:
        tier, rule = "non_aligned", 6
        if score is None:
            extra.append("no score (too little data), so the aligned rule could not apply")
    if match is not None and match.member_note:
        extra.append(match.member_note)
    return CountryTrust(
        alpha2=code,
        name=name,
        region=region,
        tier=tier,
        rule=rule,
        matched_list=match,
        lists=lists,
        score=score,
        incomplete=incomplete,
        weight_share=share,
        components=components,
        notes=tuple(extra),
    )


def _opt(value: float) -> float | None:
    return None if np.isnan(value) else round(float(value), 6)


class _Sources:
    """Builds the component records (inputs with source and year) for explanations."""

    def __init__(self, table: CountryTable, window: tuple[int, int] | None) -> None:
        self.table = table
        unga = table.unga_source
        self.unga_source = f"Bailey, Strezhnev & Voeten UNGA ideal points ({unga['edition']}), doi:{unga['doi']}"
        self.window = window
        fh = table.source_of("fh_total")
        self.fh_source = f"Freedom House, Freedom in the World {fh['edition']}"
        self.fh_year = f"edition {fh['edition']} (covers {fh['year']})"
        points = table.ideal_points
        self._points = {
            (a, s): v
            for a, s, v in zip(
                points["alpha2"].to_list(), points["session"].to_list(), points["ideal_point"].to_list(), strict=True
            )
        }

    def _years(self) -> str:
        if self.window is None:
            return ""
        a, b = self.window
        return f"sessions {a}-{b} ({1945 + a}-{1945 + b})" if a != b else f"session {a} ({1945 + a})"

    def un(
        self,
        policy: TrustPolicy,
        code: str,
        x: float,
        distance: float,
        d_max: float,
        counted: int,
        via_parent: bool,
        weight: float,
    ) -> Component:
        inputs: list[InputValue] = []
        note = None
        if self.window is not None:
            last = self.window[1]
            source_code = policy.parent_of(code) if via_parent else code
            own = self._points.get((source_code or code, last))
            home = self._points.get((policy.home, last))
            inputs.append(
                InputValue(f"ideal point {source_code}, session {last}", own, self.unga_source, str(1945 + last))
            )
            inputs.append(
                InputValue(
                    f"ideal point {policy.home} (home), session {last}", home, self.unga_source, str(1945 + last)
                )
            )
            inputs.append(InputValue("mean distance d to home", _opt(distance), self.unga_source, self._years()))
            inputs.append(
                InputValue("largest d over all countries (d_max)", _opt(d_max), self.unga_source, self._years())
            )
            inputs.append(InputValue("sessions with votes in the window", counted, self.unga_source, self._years()))
        if via_parent:
            note = f"a territory: its parent {policy.parent_of(code)} votes for it in the General Assembly"
        elif np.isnan(x):
            note = "no General Assembly votes in the window (not a UN member, or no vote cast)"
        return Component("un_alignment", weight, _opt(x), tuple(inputs), note)

    def fh(self, code: str, x: float, total: float, weight: float) -> Component:
        inputs = (InputValue("Freedom House total (0-100)", _opt(total), self.fh_source, self.fh_year),)
        note = None if not np.isnan(x) else "not rated by Freedom House"
        return Component("freedom_house", weight, _opt(x), inputs, note)

    def democracy_distance(self, home: str, x: float, total: float, home_total: float, weight: float) -> Component:
        inputs = (
            InputValue("Freedom House total (0-100)", _opt(total), self.fh_source, self.fh_year),
            InputValue(f"Freedom House total of {home} (home)", _opt(home_total), self.fh_source, self.fh_year),
        )
        return Component("democracy_distance", weight, _opt(x), inputs)

    def lists(
        self, key: str, policy: TrustPolicy, code: str, list_ids: list[str], x: float, weight: float
    ) -> Component:
        effective = policy.territories.get(code, code)
        inputs = tuple(
            InputValue(
                f"on list {list_id}",
                effective in policy.lists[list_id].members,
                policy.lists[list_id].source,
                f"as of {policy.lists[list_id].as_of.isoformat()}",
            )
            for list_id in list_ids
        )
        return Component(key, weight, float(x), inputs)


@lru_cache(maxsize=1)
def _default_assessment() -> tuple[tuple[CountryTrust, ...], tuple[int, int] | None, TrustPolicy]:
    policy = load_policy()
    countries, window = _compute(policy, country_table())
    return countries, window, policy


def assess_countries(
    policy: TrustPolicy | None = None, countries: Iterable[str] | CountryTable | None = None
) -> TrustTable:
    """Tier and score every country under ``policy`` (the default US policy when None).

    ``countries`` selects which rows the table shows (codes or English names);
    lookups (:meth:`TrustTable.tier_of`) work for every country either way. It may
    instead be a :class:`~allyshore.trust.CountryTable` to assess other reference
    data than the shipped table (same columns), e.g. a newer edition.

    Raises
    ------
    NotFoundError
        A selected country is not known.
    PolicyError
        The policy asks for UN sessions the shipped data do not hold.
    """
    reference = countries if isinstance(countries, CountryTable) else None
    wanted: Iterable[str] | None = None if isinstance(countries, CountryTable) else countries
    if policy is None and reference is None:
        computed, window, policy = _default_assessment()
    else:
        policy = load_policy() if policy is None else policy
        computed, window = _compute(policy, reference or country_table())
    if wanted is None:
        selection = tuple(c.alpha2 for c in computed)
    else:
        known = {c.alpha2 for c in computed}
        picked = []
        for text in wanted:
            code = resolve_country(text)
            if code is None or code not in known:
                raise NotFoundError(
                    f"unknown country '{text}' (give an ISO alpha-2 or alpha-3 code or an English name)"
                )
            if code not in picked:
                picked.append(code)
        selection = tuple(picked)
    return TrustTable(policy=policy, countries=computed, selection=selection, un_sessions=window)


def tiers_under(policy: PolicySource = None, countries: Iterable[str] | None = None) -> dict[str, str]:
    """Country (alpha-2) -> trust tier under ``policy`` (a policy, its TOML file, or None for the shipped one), for
    ``countries`` (codes or names; every country when None).

    >>> tiers_under(None, ["CN", "Mexico"])
    {'CN': 'adversary', 'MX': 'usmca'}
    """
    table = assess_countries(resolve_policy(policy), countries)
    return {entry.alpha2: str(entry.tier) for entry in table}
