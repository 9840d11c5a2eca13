"""USMCA origin as rows of the sourcing plan: goods that must stay (or become) originating under their rule.

For a fixed bill of materials the origin of a good made at a plant is decided by linear conditions on the shares
of its materials' sources, so the rows here are exact, not a heuristic. Per good ``G`` made at plant ``P`` (a
finished good of the origin analysis, :func:`allyshore.origin.from_network.determine_network`), with ``x_j`` the
share of source ``j`` in the need of its material at ``P`` and ``w_j`` the material's value per unit of ``G`` at a
share of 1 (quantity x (price + lane freight), SOR/2020-155 s.8(1)):

* ``VNM(x) = sum over non-originating sources of w_j x_j`` (a source is originating as the origin engine decides
  it: certified in the region, made there by a supplier and qualifying itself, ...; s.3, s.9);
* ``TC(x) = sum_j w_j x_j + other costs`` (or the plant's fixed ``total_cost_per_unit``), ``NC = TC - excluded``
  (s.7(3), (11), (13)); ``TV`` is fixed: the plant's price less international shipping (s.7(2));
* RVC net cost ``(1 - t) NC(x) - VNM(x) >= 0``; transaction value ``(1 - t) TV - VNM(x) >= 0``; the RVC is waived
  when ``VNM <= 10%`` of TV or of TC (s.5(4));
* tariff shift: a non-originating source whose HS code does not make the required change may not be used
  (``x_j <= 0``), or, where de minimis applies (s.5(1), not for chapters 50-63 or the s.5(3) exclusions), the
  failing materials are worth at most 10% of TV or of TC;
* criterion C (every material originating, s.3(3)) when no rule is known; criterion D (s.3(4)) where the
  failing materials share the good's subheading, once the alternative's shift has failed (beyond de minimis by
  more than ``EPSILON``); criterion E (Schedule 2 goods imported from another party) needs no rows.

Where the law gives alternatives (the rule's alternatives, s.3(6); net cost or transaction value, s.7(1); TV or
TC as the de minimis base) each conjunction of conditions gets a binary ``z_k`` with ``sum z_k >= 1``; a source it
forbids gets ``x_j + z_k <= 1`` and a linear condition ``a.x + c >= 0`` becomes ``a.x + c >= -M (1 - z_k)`` with
``M`` the most the condition can fall short, derived from the shares (each material's shares sum to 1). An option
implied by another, or always met, is dropped, so most goods need no binary at all.

Assumptions (also in :attr:`OriginBlocks.notes` where they touch a good): the origin of each source is the
engine's verdict on today's network (a supplier's sub-assembly is not re-decided as the plan changes its own
inputs); a good whose plant draws on an in-house sub-assembly (looked through by the engine) is not constrained;
a source without a price, or a non-originating one without an HS code, makes the engine leave the good
undetermined, so it gets no share while the good must be originating.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from allyshore.conventions import AsOf, as_date
from allyshore.errors import NotFoundError
from allyshore.model.network import Network
from allyshore.optimize.blocks import Choices, Rows
from allyshore.optimize.origin_terms import GoodTerms, good_terms
from allyshore.origin.case import Case, Rule, RvcRequirement, TariffShift
from allyshore.origin.determine import _criterion_d as _engine_criterion_d
from allyshore.origin.from_network import NetworkAnalysis, determine_network
from allyshore.origin.network_context import good_context
from allyshore.origin.results import GoodOrigin, NetworkOrigin
from allyshore.origin.rules import select_rule
from allyshore.origin.rvc import pct
from allyshore.origin.schedule2 import COUNTRIES, importing_country, schedule_2_status
from allyshore.origin.tariff_shift import LEVEL_NAMES, de_minimis_excluded, is_apparel, is_textile, passes

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
TEN_PERCENT = 0.1
_TOL = 1e-9
#: How much a strict inequality of the law must exceed its bound in the rows (USD per unit, or a share).
EPSILON = 1e-6


@dataclass(frozen=True)
class OriginBlocks:
    """The origin rows of a plan and what they were built from."""

    rows: tuple[Rows, ...]
    originating_before: tuple[str, ...]  # item ids of the goods made in the network that originate today
    notes: tuple[str, ...] = ()


def originating_goods(network: Network, *, as_of: AsOf = None, verdict: NetworkOrigin | None = None) -> tuple[str, ...]:
    """Item ids of the goods made in ``network`` that are USMCA-originating (the origin engine's verdict).

    ``verdict``: the engine's determination of ``network`` on ``as_of`` when the caller has it already
    (:func:`determine_network`), so that it is not worked out twice.
    """
    if verdict is None:
        verdict = determine_network(network, as_of=None if as_of is None else as_date(as_of))
    return tuple(sorted({g.item_id for g in verdict if g.originating}))


def origin_rows(
    network: Network,
    choices: Choices,
    *,
    as_of: AsOf = None,
    keep: bool = True,
    require: Sequence[str] = (),
    verdict: NetworkOrigin | None = None,
) -> OriginBlocks:
    """Rows that keep every good originating today originating (``keep``) and make ``require`` originating.

    One :class:`Rows` block per good and plant (``origin:ITEM@SITE``). Goods the rows cannot express exactly (an
    in-house sub-assembly below them, share variables that do not reach the good, a verdict the rows do not
    reproduce) are left unconstrained and named in ``notes``; so are sources excluded for missing data.

    ``verdict`` is the engine's determination of ``network`` on ``as_of`` (:func:`determine_network`, with its
    analysis) when the caller has it already; by default it is worked out here.

    Raises
    ------
    NotFoundError
        An item of ``require`` is not a finished good made at a plant of the network.
    """
    when = None if as_of is None else as_date(as_of)
    if verdict is None or verdict.analysis is None:
        verdict = determine_network(network, as_of=when)
    analysis = verdict.analysis
    assert analysis is not None
    before = tuple(sorted({g.item_id for g in verdict if g.originating}))
    made = {g.item_id for g in verdict}
    unknown = [r for r in dict.fromkeys(require) if r not in made]
    if unknown:
        raise NotFoundError(
            f"cannot require {', '.join(map(repr, unknown))} to be originating: not a finished good made at a plant "
            f"of {network.name!r} (it needs demand and a supply row at a site where its BOM is consumed)"
        )
    wanted = set(require)
    goods = {node: g for node, g in analysis.outcome.items() if (keep and g.originating) or g.item_id in wanted}
    terms = good_terms(analysis, choices, sorted(goods))
    blocks: list[Rows] = []
    notes: list[str] = []
    for node in sorted(goods, key=lambda n: (goods[n].item_id, goods[n].site_id)):
        block = _good_block(analysis, goods[node], terms[node], choices.n, when, notes)
        if block is not None:
            blocks.append(block)
    return OriginBlocks(tuple(blocks), before, tuple(notes))


# --------------------------------------------------------------------------- linear expressions over one good


@dataclass(frozen=True)
class _Expr:
    """``c @ x + k`` over the shares of one good's sources."""

    c: FloatArray
    k: float

    def __add__(self, other: _Expr) -> _Expr:
        return _Expr(self.c + other.c, self.k + other.k)

    def __sub__(self, other: _Expr) -> _Expr:
        return _Expr(self.c - other.c, self.k - other.k)

    def times(self, factor: float) -> _Expr:
        return _Expr(self.c * factor, self.k * factor)


@dataclass
class _Conj:
    """One way of qualifying: sources it forbids and linear conditions ``expr >= 0``, each with words."""

    text: str
    forbid: BoolArray
    why: dict[int, str] = field(default_factory=dict)  # source index -> why it is forbidden
    rows: list[tuple[_Expr, str]] = field(default_factory=list)


@dataclass
class _Good:
    label: str
    hs: str
    w: FloatArray
    originating: BoolArray
    src_hs: list[str]
    group: NDArray[np.int64]  # local group code per source
    n_groups: int
    fixed_w: FloatArray
    fixed_orig: BoolArray
    fixed_hs: tuple[str, ...]
    tv: float | None
    tc_fixed: float | None
    other: float
    excluded: float
    base_forbid: BoolArray
    base_why: dict[int, str]
    names: list[str]

    def const(self, k: float) -> _Expr:
        return _Expr(np.zeros(self.w.size), k)

    def vnm(self) -> _Expr:
        return _Expr(np.where(self.originating, 0.0, self.w), float(self.fixed_w[~self.fixed_orig].sum()))

    def tc(self) -> _Expr:
        if self.tc_fixed is not None:
            return self.const(self.tc_fixed)
        return _Expr(self.w.copy(), float(self.fixed_w.sum()) + self.other)

    def nc(self) -> _Expr:
        return self.tc() - self.const(self.excluded)

    def extreme(self, e: _Expr, allowed: BoolArray, largest: bool) -> float | None:
        """The least (or largest) value of ``e`` when each material's shares sum to 1 over the allowed sources."""
        pick = np.full(self.n_groups, -np.inf if largest else np.inf)
        (np.maximum if largest else np.minimum).at(pick, self.group[allowed], e.c[allowed])
        if not np.isfinite(pick).all():
            return None  # a material with no allowed source
        return float(pick.sum()) + e.k


def _good_block(
    analysis: NetworkAnalysis, origin: GoodOrigin, terms: GoodTerms, n: int, as_of: date | None, notes: list[str]
) -> Rows | None:
    label = f"{origin.item_id} at {origin.site_id}"
    goal = "stay" if origin.originating else "become"
    data, graph, node = analysis.data, analysis.data.graph, terms.node
    src = terms.sources
    if origin.country not in COUNTRIES or (origin.status == "undetermined" and len(origin.hs) < 6):
        why = (
            f"made in {origin.country or 'an unknown country'}, outside the USMCA region (SOR/2020-155 s.3)"
            if origin.country not in COUNTRIES
            else "its item has no 6-digit hs_code"
        )
        notes.append(f"{label} must become originating but cannot, whatever its sources: {why}.")
        return _impossible(label, why, n)
    case = origin.case  # the engine's case of the good today: its importation and named good, else worked out
    context: dict[str, object] = (
        good_context(graph, node)
        if case is None
        else {
            "importing_country": case.importing_country,
            "imported_from": case.imported_from,
            "rule_scope": case.rule_scope,
        }
    )
    if _criterion_e(origin.hs, context):
        notes.append(
            f"{label}: originating under criterion E (Schedule 2 good imported from another party, SOR/2020-155 "
            "s.3(7)) whatever its sources: no rows."
        )
        return None
    if terms.fixed_in_house or bool(src.get_column("in_house").any()):
        notes.append(
            f"{label} is not constrained (must {goal} originating): an in-house sub-assembly below it is looked "
            "through by the origin engine (SOR/2020-155 s.7(5)(a)), which these rows do not model; check it with "
            "`allyshore origin network` on the plan."
        )
        return None
    if terms.unmatched:
        notes.append(
            f"{label} is not constrained (must {goal} originating): the flows from {', '.join(terms.unmatched)} "
            "reach its plant but not its bill of materials in the network graph."
        )
        return None
    if np.isnan(terms.fixed_value).any():
        notes.append(f"{label} is not constrained: an input made at its own site has no price (unknown value).")
        return None
    rule = _rule(data.rules.get(origin.item_id), origin.hs, as_of, context.get("rule_scope"))
    good = _prepare(analysis, origin, terms, label, notes)
    low_nc = good.extreme(good.nc(), ~good.base_forbid, largest=False)
    if low_nc is not None and low_nc <= 0:
        notes.append(
            f"{label}: its net cost (total cost less excluded costs) is not positive for some plans; the origin "
            "engine refuses such a case (SOR/2020-155 s.7(3)), which the rows do not model: check the cost columns."
        )
    conjs = _conjunctions(good, rule)
    if not conjs:
        why = "no combination of its sources meets its rule"
        notes.append(f"{label} must {goal} originating but {why}.")
        return _impossible(label, why, n)
    if any(not c.forbid.any() and not c.rows for c in conjs):
        return None  # it qualifies whatever the shares: nothing to constrain
    x0 = np.nan_to_num(src.get_column("share_before").to_numpy().astype(np.float64))
    if origin.originating and not any(_holds(good, c, x0) for c in conjs):
        notes.append(
            f"{label} is not constrained: it is originating today ({origin.criterion}) by a route these rows do not "
            "express (for example criterion D where the rule requires more), so keeping it is left to a re-check."
        )
        return None
    if rule is None:
        notes.append(
            f"{label}: no product-specific rule is known for HS {origin.hs}; only criterion C (every material "
            "originating, SOR/2020-155 s.3(3)) can make it originating, and the rows require that."
        )
    return _assemble(good, conjs, src.get_column("j").to_numpy().astype(np.int64), n, label, goal, rule)


def _impossible(label: str, why: str, n: int) -> Rows:
    """A row no plan meets (0 >= 1), so that the conflict is reported rather than the requirement dropped."""
    return Rows(
        f"origin:{label.replace(' at ', '@')}",
        sp.csr_matrix((1, n)),
        np.array([1.0]),
        np.array([np.inf]),
        (f"{label}: cannot be originating: {why}",),
        detail=f"USMCA origin of {label}: required, but {why}.",
    )


def _criterion_e(hs: str, context: dict[str, object]) -> bool:
    """Criterion E as the engine tests it: a listed good imported from another party (SOR s.3(7))."""
    imported_from = context.get("imported_from")
    if not isinstance(imported_from, str) or imported_from.upper() not in COUNTRIES:
        return False
    into = context.get("importing_country")
    if COUNTRIES[imported_from.upper()] == importing_country(into if isinstance(into, str) else None):
        return False
    return schedule_2_status(hs, into if isinstance(into, str) else None).status == "listed"


def _rule(given: Rule | None, hs: str, as_of: date | None, scope: object) -> Rule | None:
    if given is not None:
        return given
    return select_rule(hs, as_of, None, scope if isinstance(scope, str) else None).rule


def _prepare(analysis: NetworkAnalysis, origin: GoodOrigin, terms: GoodTerms, label: str, notes: list[str]) -> _Good:
    data, node = analysis.data, terms.node
    src = terms.sources
    w = src.get_column("value").to_numpy().astype(np.float64)
    orig = src.get_column("originating").to_numpy().astype(bool)
    src_hs = src.get_column("hs").to_list()
    unknown = np.isnan(w)
    no_hs = ~orig & (np.array([len(h) == 0 for h in src_hs], dtype=bool) if src_hs else np.zeros(0, dtype=bool))
    why: dict[int, str] = {}
    names = [f"{m} from {s}" for m, s in zip(src.get_column("material"), src.get_column("from_site"), strict=True)]
    for i in np.flatnonzero(unknown).tolist():
        why[i] = "no unit_price (unknown value)"
    for i in np.flatnonzero(no_hs & ~unknown).tolist():
        why[i] = "non-originating without an hs_code"
    if why:
        notes.append(
            f"{label}: the origin engine cannot decide the good when these sources are used, so they get no share "
            f"while it must be originating: {'; '.join(f'{names[i]} ({t})' for i, t in why.items())}."
        )
    undecided = src.get_column("undecided").to_numpy().astype(bool)
    if undecided.any():
        notes.append(
            f"{label}: candidate source(s) {', '.join(names[i] for i in np.flatnonzero(undecided).tolist())} count as "
            "non-originating: a supplier makes them in the region without certifying origin, and the origin engine "
            "decides them only once they supply (a certification, supplier_certifies_origin, would settle it)."
        )
    _, group = np.unique(src.get_column("group").to_numpy(), return_inverse=True)
    price, shipping = float(data.selling_price[node]), float(data.shipping[node])
    tv = None if np.isnan(price) or price <= 0 else price - (0.0 if np.isnan(shipping) else shipping)
    total, other, excluded = float(data.total[node]), float(data.other[node]), float(data.excluded[node])
    return _Good(
        label=label,
        hs=origin.hs,
        w=np.where(unknown, 0.0, w),
        originating=orig,
        src_hs=src_hs,
        group=group.astype(np.int64),
        n_groups=int(group.max()) + 1 if group.size else 0,
        fixed_w=terms.fixed_value,
        fixed_orig=terms.fixed_originating,
        fixed_hs=terms.fixed_hs,
        tv=tv if tv is not None and tv > 0 else None,
        tc_fixed=None if np.isnan(total) else total,
        other=0.0 if np.isnan(other) else other,
        excluded=0.0 if np.isnan(excluded) else excluded,
        base_forbid=unknown | no_hs,
        base_why=why,
        names=names,
    )


# --------------------------------------------------------------------------- the ways a good can qualify


def _prune(good: _Good, options: list[tuple[_Expr, str]], allowed: BoolArray) -> list[tuple[_Expr, str]] | None:
    """Options of one requirement (any suffices): None when one always holds; without those never met or implied."""
    live = []
    for e, text in options:
        low = good.extreme(e, allowed, largest=False)
        high = good.extreme(e, allowed, largest=True)
        if low is None or high is None:
            return []  # a material with no allowed source: nothing holds
        scale = _TOL * (1.0 + float(np.abs(e.c).sum()) + abs(e.k))
        if low >= -scale:
            return None
        if high >= -scale:
            live.append((e, text))
    alive = list(range(len(live)))
    for k in range(len(live)):
        for i in alive:
            if i != k and k in alive:
                low = good.extreme(live[i][0] - live[k][0], allowed, largest=False)
                if low is not None and low >= -_TOL * (1.0 + abs(low)):
                    alive.remove(k)  # option k holds only where option i holds too
    return [live[i] for i in alive]


def _rvc_options(good: _Good, req: RvcRequirement, allowed: BoolArray) -> list[tuple[_Expr, str]] | None:
    vnm = good.vnm()
    options: list[tuple[_Expr, str]] = []
    if req.transaction_value is not None and good.tv:
        t = float(req.transaction_value) / 100
        options.append((good.const((1 - t) * good.tv) - vnm, f"RVC transaction value >= {pct(req.transaction_value)}%"))
    if req.net_cost is not None:
        t = float(req.net_cost) / 100
        options.append((good.nc().times(1 - t) - vnm, f"RVC net cost >= {pct(req.net_cost)}%"))
    if good.tv:
        options.append(
            (good.const(TEN_PERCENT * good.tv) - vnm, "non-originating materials <= 10% of TV (RVC waived, s.5(4))")
        )
    options.append((good.tc().times(TEN_PERCENT) - vnm, "non-originating materials <= 10% of total cost (s.5(4))"))
    return _prune(good, options, allowed)


def _shift_fails(good: _Good, shift: TariffShift) -> tuple[BoolArray, BoolArray]:
    """Non-originating sources (and fixed lines) whose HS code does not make the change ``shift`` requires."""
    codes = {h: passes(h, good.hs, shift) for h in set(good.src_hs) | set(good.fixed_hs)}
    ok = np.array([codes[h] for h in good.src_hs], dtype=bool)
    fixed_ok = np.array([codes[h] for h in good.fixed_hs], dtype=bool)
    return ~good.originating & ~ok, ~good.fixed_orig & ~fixed_ok


def _same_subheading(good: _Good, codes: Sequence[str]) -> BoolArray:
    """s.3(4)(a), s.3(5): in the good's subheading (its heading when the heading is undivided)."""
    n = 4 if good.hs[4:6] == "00" else 6
    return np.array([h[:n] == good.hs[:n] for h in codes], dtype=bool)


def _shift_text(shift: TariffShift) -> str:
    text = f"change from outside {shift.group}" if shift.group else f"change from any other {LEVEL_NAMES[shift.level]}"
    if shift.except_from:
        text += f" except from {', '.join(shift.except_from)}"
    return text


def _shift_variants(good: _Good, shift: TariffShift, tag: str) -> list[_Conj]:
    fails, fixed_fails = _shift_fails(good, shift)
    what = _shift_text(shift)
    if not fails.any() and not fixed_fails.any():
        return [_Conj(tag, good.base_forbid.copy())]
    if is_textile(good.hs):  # de minimis by weight only (s.5(6)-(10)): no weights in a network
        if fixed_fails.any():
            return []
        return [
            _Conj(
                tag,
                good.base_forbid | fails,
                dict.fromkeys(np.flatnonzero(fails).tolist(), f"non-originating, no {what}"),
            )
        ]
    denied = {h: de_minimis_excluded(h, good.hs) for h in set(good.src_hs) | set(good.fixed_hs)}
    ex = fails & np.array([denied[h] is not None for h in good.src_hs], dtype=bool)
    if any(denied[h] is not None for h, f in zip(good.fixed_hs, fixed_fails, strict=True) if f):
        return []
    forbid = good.base_forbid | ex
    why = {
        i: f"non-originating, no {what}, de minimis excluded ({denied[good.src_hs[i]]})"
        for i in np.flatnonzero(ex).tolist()
    }
    failing = _Expr(np.where(fails & ~ex, good.w, 0.0), float(good.fixed_w[fixed_fails].sum()))
    options = []
    if good.tv:
        options.append(
            (good.const(TEN_PERCENT * good.tv) - failing, f"{what}: failing materials <= 10% of TV (s.5(1))")
        )
    options.append((good.tc().times(TEN_PERCENT) - failing, f"{what}: failing materials <= 10% of total cost (s.5(1))"))
    pruned = _prune(good, options, ~forbid)
    if pruned is None:
        return [_Conj(tag, forbid, why)]
    return [_Conj(tag, forbid, dict(why), [(e, text)]) for e, text in pruned]


def _combine(variants: list[_Conj], rvc: list[tuple[_Expr, str]] | None, good: _Good) -> list[_Conj]:
    if rvc is None:
        return variants
    out = []
    for v in variants:
        for e, text in rvc:
            if good.extreme(e, ~v.forbid, largest=True) is not None:
                out.append(_Conj(v.text, v.forbid, v.why, [*v.rows, (e, text)]))
    return out


def _conjunctions(good: _Good, rule: Rule | None) -> list[_Conj]:
    """Every conjunction of conditions under which the engine finds the good originating."""
    out: list[_Conj] = []
    allowed = ~good.base_forbid
    alternatives = rule.alternatives if rule is not None else ()
    many = len(alternatives) > 1
    for a, alt in enumerate(alternatives):
        tag = f"alternative {a + 1}" if many else "rule"
        variants = [_Conj(tag, good.base_forbid.copy())]
        if alt.tariff_shift is not None:
            variants = _shift_variants(good, alt.tariff_shift, tag)
        rvc = None if alt.rvc is None else _rvc_options(good, alt.rvc, allowed)
        out += _combine(variants, rvc, good)
        if alt.tariff_shift is not None and not is_apparel(good.hs):
            out += _d_conjunctions(good, rule, alt.rvc, alt.tariff_shift, tag)
    if rule is None or not alternatives:  # criterion C only (s.3(3))
        non = ~good.originating
        if not (~good.fixed_orig).any():
            why = dict.fromkeys(
                np.flatnonzero(non).tolist(), "non-originating (criterion C: every material originating)"
            )
            out.append(_Conj("criterion C", good.base_forbid | non, why))
    return [c for c in out if good.extreme(good.const(0.0), ~c.forbid, largest=False) is not None]


def _d_conjunctions(
    good: _Good, rule: Rule | None, req: RvcRequirement | None, shift: TariffShift, tag: str
) -> list[_Conj]:
    """Criterion D for one alternative's shift, where failing materials share the good's subheading (s.3(4)(a)).

    The engine tries D only when the alternative's shift has failed (beyond de minimis). Where meeting D's RVC
    also meets the alternative's own RVC that condition is implied (a plan whose shift passes qualifies by the
    alternative itself); otherwise it is added: a failing material denied de minimis is used (their shares sum to
    more than ``EPSILON``), or the failing materials exceed 10% of every base by more than ``EPSILON`` USD.
    """
    fails, fixed_fails = _shift_fails(good, shift)
    same = fails & _same_subheading(good, good.src_hs)
    if not same.any():
        return []
    if (fixed_fails & ~_same_subheading(good, good.fixed_hs)).any():
        return []
    d_req = _d_requirement(good, rule)
    allowed = ~good.base_forbid
    d_opts = _rvc_options(good, d_req, allowed)
    own = None if req is None else _rvc_options(good, req, allowed)
    implied = own is None or (
        d_opts is not None
        and all(
            any((low := good.extreme(f - e, allowed, largest=False)) is not None and low >= -_TOL for f, _ in own)
            for e, _ in d_opts
        )
    )
    other = fails & ~same
    why = dict.fromkeys(np.flatnonzero(other).tolist(), "non-originating, not of the good's subheading (criterion D)")
    base = _Conj(f"criterion D ({tag})", good.base_forbid | other, why)
    if implied:
        return _combine([base], d_opts, good)
    textile = is_textile(good.hs)
    denied = np.array([textile or de_minimis_excluded(h, good.hs) is not None for h in good.src_hs], dtype=bool)
    if any(
        textile or de_minimis_excluded(h, good.hs) is not None
        for h, f in zip(good.fixed_hs, fixed_fails, strict=True)
        if f
    ):
        return _combine([base], d_opts, good)  # a fixed input fails without de minimis: the shift always fails
    triggers: list[list[tuple[_Expr, str]]] = []
    if (same & denied).any():
        used = _Expr(np.where(same & denied, 1.0, 0.0), -EPSILON)
        triggers.append([(used, "a failing material without de minimis is used (shift failed)")])
    if not textile:
        failing = _Expr(np.where(same, good.w, 0.0), float(good.fixed_w[fixed_fails].sum()) - EPSILON)
        over = [(failing - good.tc().times(TEN_PERCENT), "failing materials > 10% of total cost (shift failed)")]
        if good.tv:
            over.append((failing - good.const(TEN_PERCENT * good.tv), "failing materials > 10% of TV (shift failed)"))
        triggers.append(over)
    out = []
    for rows in triggers:
        out += _combine([_Conj(base.text, base.forbid, base.why, list(rows))], d_opts, good)
    return out


def _d_requirement(good: _Good, rule: Rule | None) -> RvcRequirement:
    """D's RVC as the engine sets it: 60% TV or 50% NC, never below an automotive rule's own (s.3(4), s.13)."""
    return _engine_criterion_d(Case(hs=good.hs), rule, [])


def _holds(good: _Good, conj: _Conj, x: FloatArray) -> bool:
    if (x[conj.forbid] > 1e-9).any():
        return False
    return all(float(e.c @ x) + e.k >= -1e-7 * (1.0 + abs(e.k)) for e, _ in conj.rows)


# --------------------------------------------------------------------------- rows


def _assemble(
    good: _Good, conjs: list[_Conj], j: NDArray[np.int64], n: int, label: str, goal: str, rule: Rule | None
) -> Rows:
    k = len(conjs)
    rows_i: list[NDArray[np.int64]] = []
    cols: list[NDArray[np.int64]] = []
    vals: list[FloatArray] = []
    lower: list[float] = []
    upper: list[float] = []
    labels: list[str] = []

    def add(c_idx: NDArray[np.int64], c_val: FloatArray, lo: float, hi: float, text: str) -> None:
        rows_i.append(np.full(c_idx.size, len(labels), dtype=np.int64))
        cols.append(c_idx)
        vals.append(c_val)
        lower.append(lo)
        upper.append(hi)
        labels.append(f"{label}: {text}")

    def forbid(idx: NDArray[np.int64], z_col: int | None, texts: list[str]) -> None:
        """One row per source of ``idx``: ``x_j <= 0``, or ``x_j + z <= 1`` under the binary ``z_col``."""
        first = len(labels)
        at = first + np.arange(idx.size, dtype=np.int64)
        rows_i.append(at if z_col is None else np.concatenate([at, at]))
        cols.append(j[idx] if z_col is None else np.concatenate([j[idx], np.full(idx.size, z_col, dtype=np.int64)]))
        vals.append(np.ones(idx.size if z_col is None else 2 * idx.size))
        lower.extend([-np.inf] * idx.size)
        upper.extend([0.0 if z_col is None else 1.0] * idx.size)
        labels.extend(f"{label}: {t}" for t in texts)

    common = np.logical_and.reduce([c.forbid for c in conjs])
    why_all: dict[int, str] = {**good.base_why}
    for c in conjs:
        for i, t in c.why.items():
            why_all.setdefault(int(i), t)
    idx = np.flatnonzero(common)
    forbid(idx, None, [f"no share from {_source(good, i)}: {why_all.get(i, '')}" for i in idx.tolist()])
    z = np.arange(k, dtype=np.int64) + n
    if k > 1:
        add(z, np.ones(k), 1.0, np.inf, f"qualifies by at least one of {k} ways")
    for q, c in enumerate(conjs):
        ways = "" if k == 1 and c.text == "rule" else f" ({c.text})"
        if k > 1:
            idx = np.flatnonzero(c.forbid & ~common)
            texts = [
                f"no share from {_source(good, i)}{ways}: {c.why.get(i, good.base_why.get(i, ''))}"
                for i in idx.tolist()
            ]
            forbid(idx, int(z[q]), texts)
        for e, text in c.rows:
            nz = np.flatnonzero(e.c)
            if k == 1:
                add(j[nz], e.c[nz], -e.k, np.inf, text + ways)
                continue
            low = good.extreme(e, ~good.base_forbid, largest=False)  # z = 0 frees the forbidden sources too
            big = max(0.0, -(low if low is not None else 0.0))
            add(np.append(j[nz], z[q]), np.append(e.c[nz], -big), -e.k - big, np.inf, text + ways)
    m = len(labels)
    matrix = sp.csr_matrix(
        (np.concatenate(vals) if vals else np.zeros(0), (np.concatenate(rows_i) if rows_i else np.zeros(0, dtype=np.int64),
                                                         np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64))),
        shape=(m, n + (k if k > 1 else 0)),
    )  # fmt: skip
    extra = k if k > 1 else 0
    if rule is None:
        source = "no rule known: criterion C"
    else:
        source = "rule given with the item" if rule.supplied_by_user else f"rule of {rule.source}"
    return Rows(
        f"origin:{label.replace(' at ', '@')}",
        matrix,
        np.asarray(lower, dtype=np.float64),
        np.asarray(upper, dtype=np.float64),
        tuple(labels),
        detail=(
            f"USMCA origin: {label} must {goal} originating (HS {good.hs}, {source}); exact for its bill of "
            f"materials: {k} way(s) to qualify" + (", one binary each, at least one chosen" if k > 1 else "") + "."
        ),
        extra_lower=np.zeros(extra),
        extra_upper=np.ones(extra),
        extra_integer=np.ones(extra, dtype=bool),
        extra_names=tuple(_way(label, c) for c in conjs) if k > 1 else (),
        extra_costs=np.zeros(extra),
    )


def _way(label: str, conj: _Conj) -> str:
    """The name of the binary of one way to qualify: the alternative and what it asks."""
    asks = [text for _, text in conj.rows]
    n_forbid = int(conj.forbid.sum())
    if n_forbid:
        asks.append(f"{n_forbid} source(s) unused")
    return f"{label} qualifies by {conj.text}" + (f": {'; '.join(asks)}" if asks else "")


def _source(good: _Good, i: int) -> str:
    return good.names[i]


__all__ = ["OriginBlocks", "origin_rows", "originating_goods"]
