"""The sourcing plan as one mixed-integer program, assembled from named blocks of rows and solved through HiGHS.

Columns: the shares ``x`` of every choice (0..1), the binaries ``used`` and ``changed`` when an option needs them
(:mod:`allyshore.optimize.constraints`), then the own columns of the blocks of other capabilities (USMCA origin,
resilience). Objective, USD a year::

    sum_j need_j (cost_j + w risk_j) x_j  +  sum_{j candidate} qualification / years * used_j

Every block of rows keeps its name, so that the result can say for each constraint family whether it binds and
its shadow price: the row duals of the linear program, or, for a mixed-integer program, of the linear program
re-solved with every integer column fixed at its optimal value. An infeasible model is solved again elastically
(:func:`elastic_conflicts`): each named row may be violated at a cost per unit of violation, so that the least
violation shows which constraints conflict and by how much.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
import scipy.sparse as sp

from allyshore._lp import LinearProgram, Solution
from allyshore.errors import Infeasible, SolverError
from allyshore.model.network import Network
from allyshore.optimize import constraints as C
from allyshore.optimize.blocks import FloatArray, Rows
from allyshore.optimize.choices import ChoiceSet
from allyshore.optimize.options import PlanOptions
from allyshore.optimize.start import rounded_start
from allyshore.optimize.value import ValueModel

#: Rows that define auxiliary columns rather than restrict the plan: never relaxed, never reported.
STRUCTURAL = frozenset({"source used", "min share when used", "change indicators"})
#: Rows never relaxed to explain an infeasible policy: the need is met in full (a capacity short of it gives way).
HARD = frozenset({"demand met"})
_TOL = 1e-7
#: Time limit of the elastic re-solve of an infeasible model when the options give none (seconds): the least
#: violation found by then is reported.
ELASTIC_SECONDS = 60.0


@dataclass(frozen=True, eq=False)
class Block:
    """A block of rows placed in the model: its first row and the first of its own columns."""

    rows: Rows
    start: int
    extra_start: int
    structural: bool

    @property
    def stop(self) -> int:
        return self.start + len(self.rows.labels)


@dataclass(eq=False)
class PlanModel:
    """The assembled program and what its columns cost (see the module docstring)."""

    choice_set: ChoiceSet
    options: PlanOptions
    layout: C.Layout
    blocks: list[Block]
    matrix: sp.csr_matrix
    row_lower: FloatArray
    row_upper: FloatArray
    col_lower: FloatArray
    col_upper: FloatArray
    integer: np.ndarray
    landed: FloatArray  # USD a year per unit of x_j (known part)
    risk: FloatArray  # USD a year per unit of x_j, before the weight
    penalty: FloatArray  # USD a year per unit of x_j for an unknown-cost candidate (never reported)
    qualification: FloatArray  # USD a year per used_j
    extra_costs: FloatArray
    years: float
    value: ValueModel
    notes: list[str] = field(default_factory=list)
    originating_before: tuple[str, ...] | None = None
    #: per choice: a candidate with no capacity given (blank; left out of the plan under ``require_capacity``)
    unknown_capacity: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    _lp: LinearProgram | None = None

    @property
    def n(self) -> int:
        return self.layout.n

    @property
    def n_cols(self) -> int:
        return int(self.matrix.shape[1])

    def costs(self, risk_weight: float | None = None) -> FloatArray:
        weight = self.options.risk_weight if risk_weight is None else risk_weight
        out = np.zeros(self.n_cols)
        out[: self.n] = self.landed + weight * self.risk + self.penalty
        if self.layout.used is not None:
            out[self.layout.used : self.layout.used + self.n] = self.qualification
        out[self.layout.width :] = self.extra_costs
        return out

    def program(self) -> LinearProgram:
        """The one :class:`LinearProgram` of this model (built on first use, kept for warm re-solves)."""
        if self._lp is None:
            opts: dict[str, Any] = {"mip_rel_gap": float(self.options.mip_gap)}
            if self.options.time_limit is not None:
                opts["time_limit"] = float(self.options.time_limit)
            self._lp = LinearProgram(
                self.costs(),
                self.matrix,
                self.row_lower,
                self.row_upper,
                self.col_lower,
                self.col_upper,
                integrality=self.integer if self.integer.any() else None,
                options=opts,
            )
        return self._lp

    def block(self, name: str) -> Block | None:
        return next((b for b in self.blocks if b.rows.name == name), None)


def _stack(blocks: Sequence[Rows], external: Sequence[bool], layout: C.Layout) -> tuple[list[Block], sp.csr_matrix]:
    placed: list[Block] = []
    parts: list[sp.csr_matrix] = []
    n_extra = sum(b.n_extra for b in blocks)
    width = layout.width + n_extra
    row = 0
    extra = layout.width
    for rows, outside in zip(blocks, external, strict=True):
        m = sp.csr_matrix(rows.matrix)
        k = len(rows.labels)
        if outside:  # the shares, then the block's own columns: widen to the core columns
            rows.check(layout.n)
            shares = sp.csr_matrix(m[:, : layout.n])
            own = sp.csr_matrix(m[:, layout.n :])
        else:
            rows.check(layout.width)
            shares = sp.csr_matrix(m[:, : layout.width])
            own = sp.csr_matrix(m[:, layout.width :])
        core = sp.hstack([shares, sp.csr_matrix((k, layout.width - shares.shape[1]))], format="csr")
        full = sp.hstack(
            [core, sp.csr_matrix((k, extra - layout.width)), own, sp.csr_matrix((k, width - extra - own.shape[1]))],
            format="csr",
        )
        parts.append(full)
        placed.append(Block(rows, row, extra, rows.name in STRUCTURAL))
        row += k
        extra += rows.n_extra
    matrix = sp.csr_matrix(sp.vstack(parts, format="csr")) if parts else sp.csr_matrix((0, width))
    return placed, matrix


def build_model(
    network: Network,
    choice_set: ChoiceSet,
    options: PlanOptions,
    *,
    as_of: Any = None,
    policy: Any = None,
    with_risk: bool = False,
) -> PlanModel:
    """Assemble the program of ``options`` over ``choice_set`` (see the module docstring); the priced risk of each
    choice is computed when the risk weight is positive or ``with_risk`` (a sweep of the weight)."""
    from allyshore.optimize import origin_rows as origin
    from allyshore.optimize import resilience_rows as resilience

    frame = choice_set.frame
    n = frame.height
    notes: list[str] = []
    used_at = n if options.needs_used else None
    changed_at = (n * (2 if used_at is not None else 1)) if options.max_changes is not None else None
    layout = C.Layout(n, used_at, changed_at)
    x0 = frame.get_column("share_before").to_numpy()
    value = ValueModel(choice_set.costs.volumes, n, x0)

    blocks: list[Rows] = [C.demand_rows(frame, layout)]
    if layout.used is not None:
        blocks += C.used_rows(frame, layout, options)
    if layout.changed is not None:
        blocks += C.change_rows(frame, layout, options)
    if options.capacity:
        blocks += C.capacity_rows(network, frame, layout)
    if options.min_trusted_share is not None:
        trusted = {c for c, t in choice_set.tiers.items() if t in options.trusted_tiers}
        trusted |= {c for c in value.maker_in[0] if c and _tier(c, choice_set, policy) in options.trusted_tiers}
        blocks += C.share_rows(
            "min trusted share",
            value,
            value.nodes_in(trusted),
            layout,
            lower=options.min_trusted_share,
            scope=options.trusted_scope,
            what=f"trusted ({options.trusted_level} or above)",
        )
    for country, cap in sorted(options.max_country_share.items()):
        blocks += C.share_rows(
            f"max share of {country}", value, value.nodes_in({country}), layout, upper=cap, what=country
        )
    if options.no_adversary or options.no_adversary_items:
        adversary = (frame.get_column("tier") == "adversary").to_numpy()
        if not options.no_adversary:
            adversary &= frame.get_column("item_id").is_in(list(options.no_adversary_items)).to_numpy()
        scope = "every item" if options.no_adversary else ", ".join(options.no_adversary_items)
        blocks.append(
            C.fixed_zero_rows("no adversary", adversary, frame, layout, f"no flow from an adversary country ({scope})")
        )
    if options.max_source_share is not None:
        blocks.append(C.source_share_rows(frame, layout, options.max_source_share))
    if options.min_sources is not None or options.min_sources_per_item:
        rows, note = C.min_source_rows(frame, layout, options)
        if rows is not None:
            blocks.append(rows)
        if note:
            notes.append(f"min sources: {note}")
    external = [False] * len(blocks)

    originating_before: tuple[str, ...] | None = None
    keep = options.keep_originating
    if keep is not False or options.require_originating:
        found = origin.origin_rows(
            network, choice_set.choices, as_of=as_of, keep=keep is not False, require=options.require_originating
        )
        blocks += list(found.rows)
        external += [True] * len(found.rows)
        originating_before = found.originating_before
        notes += list(found.notes)
    if options.resilience or options.resilience_sites:
        sites = list(options.resilience_sites) or None
        found_rows = resilience.resilience_rows(network, choice_set.choices, sites=sites)
        blocks += list(found_rows)
        external += [True] * len(found_rows)

    placed, matrix = _stack(blocks, external, layout)
    n_rows = matrix.shape[0]
    row_lower = np.concatenate([b.lower for b in blocks]) if blocks else np.zeros(0)
    row_upper = np.concatenate([b.upper for b in blocks]) if blocks else np.zeros(0)
    assert row_lower.shape[0] == n_rows
    width = matrix.shape[1]
    col_lower = np.zeros(width)
    col_upper = np.ones(width)
    integer = np.zeros(width, dtype=bool)
    if layout.used is not None:
        integer[layout.used : layout.used + n] = True
    if layout.changed is not None:
        integer[layout.changed : layout.changed + n] = True
    extra_costs = np.concatenate([b.extra_costs for b in blocks]) if blocks else np.zeros(0)
    if width > layout.width:
        col_lower[layout.width :] = np.concatenate([b.extra_lower for b in blocks])
        col_upper[layout.width :] = np.concatenate([b.extra_upper for b in blocks])
        integer[layout.width :] = np.concatenate([b.extra_integer for b in blocks])

    unknown_capacity = C.unknown_capacity(network, frame) if options.capacity else np.zeros(n, dtype=bool)
    if options.require_capacity and unknown_capacity.any():
        col_upper[:n][unknown_capacity] = 0.0
        notes.append(
            f"{int(unknown_capacity.sum())} candidate source(s) with no capacity_per_week (on the supply row or the "
            "site) are left out of the plan (require_capacity); see unknown_capacity"
        )

    need = frame.get_column("need_per_year").to_numpy()
    known = frame.get_column("cost_known_part").fill_null(0.0).to_numpy()
    landed = need * known
    unknown_candidate = (
        frame.get_column("unknown_cost") & (frame.get_column("status_before") == "candidate")
    ).to_numpy()
    penalty = np.zeros(n)
    if unknown_candidate.any() and options.allow_unknown_costs:
        notes.append(
            f"{int(unknown_candidate.sum())} candidate source(s) with an unknown landed cost are costed at their known "
            "part (allow_unknown_costs); see unknown_costs"
        )
    elif unknown_candidate.any():
        scale = float(np.max(np.abs(known))) if n else 0.0
        penalty[unknown_candidate] = need[unknown_candidate] * (10.0 * scale + 1.0)
        notes.append(
            f"{int(unknown_candidate.sum())} candidate source(s) with an unknown landed cost carry a penalty in the "
            "model (chosen only when no plan without them meets the constraints); see unknown_costs"
        )
    risk = np.zeros(n)
    if options.risk_weight > 0 or with_risk:
        # The landed cost already holds an expected disruption cost (the country-risk default of each tier): the
        # priced risk term replaces it rather than counting disruption twice.
        landed = landed - need * frame.get_column("disruption_per_unit").fill_null(0.0).to_numpy()
        notes.append(
            "risk priced: landed_cost_per_year leaves out the landed cost's own disruption allowance (the "
            "country-risk default), which risk_per_year replaces"
        )
        per_unit = np.asarray(resilience.risk_per_unit(network, choice_set.choices, policy=policy), dtype=np.float64)
        unknown_risk = ~np.isfinite(per_unit)
        if unknown_risk.any():
            notes.append(
                f"priced risk unknown for {int(unknown_risk.sum())} source(s): not priced (0 in risk_per_year and in "
                "the objective)"
            )
        risk = need * np.where(unknown_risk, 0.0, per_unit)
    book_years = _projection_years(choice_set)
    qualification = np.zeros(n)
    if options.qualification_cost > 0:
        candidate = (frame.get_column("status_before") == "candidate").to_numpy()
        qualification[candidate] = options.qualification_cost / book_years
    return PlanModel(
        choice_set=choice_set,
        options=options,
        layout=layout,
        blocks=placed,
        matrix=matrix,
        row_lower=row_lower,
        row_upper=row_upper,
        col_lower=col_lower,
        col_upper=col_upper,
        integer=integer,
        landed=landed,
        risk=risk,
        penalty=penalty,
        qualification=qualification,
        extra_costs=extra_costs,
        years=book_years,
        value=value,
        notes=notes,
        originating_before=originating_before,
        unknown_capacity=unknown_capacity,
    )


def _tier(country: str, choice_set: ChoiceSet, policy: Any) -> str:
    if country in choice_set.tiers:
        return choice_set.tiers[country]
    from allyshore.optimize.choices import country_tiers

    tier = country_tiers([country], policy).get(country, "non_aligned")
    choice_set.tiers[country] = tier
    return tier


def _projection_years(choice_set: ChoiceSet) -> float:
    for a in choice_set.costs.assumptions:
        if a.key == "projection_years":
            return float(a.value)
    return 5.0


@dataclass(frozen=True, eq=False)
class PlanSolution:
    """What a solve gave: status, gap, the column values, and the row duals (None when there are none)."""

    status: str  # optimal | infeasible | time_limit
    gap: float
    x: FloatArray | None
    row_activity: FloatArray | None
    row_dual: FloatArray | None
    duals_from: str = ""
    conflicts: tuple[dict[str, Any], ...] = ()


def solve_model(model: PlanModel, *, duals: bool = True) -> PlanSolution:
    """Solve ``model``; duals from the LP (or the LP with the integers fixed); elastic conflicts when infeasible."""
    if model.n_cols == 0:  # nothing to choose (no flow): the rows are constants
        return _without_choices(model)
    lp = model.program()
    if model.integer.any():  # a first incumbent from the relaxation rounded up (allyshore.optimize.start)
        start = rounded_start(
            model.costs(), model.matrix, model.row_lower, model.row_upper, model.col_lower, model.col_upper,
            model.integer, model.options.time_limit,
        )  # fmt: skip
        if start is not None:
            lp.set_start(start)
    try:
        solution = lp.solve(accept_time_limit=True)
    except Infeasible:
        return PlanSolution("infeasible", 0.0, None, None, None, conflicts=tuple(elastic_conflicts(model)))
    except SolverError as exc:
        if model.options.time_limit is not None and "time" in str(exc).lower():
            return PlanSolution("time_limit", float("inf"), None, None, None)
        raise
    row_dual: FloatArray | None = None
    source = ""
    if duals and solution.status == "optimal":
        row_dual, source = _duals(model, solution)
    return PlanSolution(solution.status, solution.gap, solution.x, solution.row_activity, row_dual, source)


def _without_choices(model: PlanModel) -> PlanSolution:
    """The 'solve' of a model without columns: every row's activity is 0; the plan is empty or infeasible."""
    activity = np.zeros(model.matrix.shape[0])
    short = np.maximum(model.row_lower - activity, 0.0)
    over = np.maximum(activity - model.row_upper, 0.0)
    conflicts = []
    for b in model.blocks:
        shift = b.rows.offset if isinstance(b.rows, C.ShiftedRows) else np.zeros(len(b.rows.labels))
        for r in range(len(b.rows.labels)):
            i = b.start + r
            if short[i] > 1e-9 or over[i] > 1e-9:
                bound = model.row_lower[i] if short[i] > 1e-9 else model.row_upper[i]
                conflicts.append(
                    {
                        "name": b.rows.name,
                        "row": b.rows.labels[r],
                        "violation": float(short[i] + over[i]),
                        "direction": "short of the lower bound" if short[i] > 1e-9 else "over the upper bound",
                        "bound": round(float(bound + shift[r]), 12),
                        "detail": f"{b.rows.labels[r]}: no flow can change it (off by {short[i] + over[i]:.6g})",
                        "conflicts_with": [],
                    }
                )
    if conflicts:
        return PlanSolution("infeasible", 0.0, None, None, None, conflicts=tuple(conflicts))
    return PlanSolution("optimal", 0.0, np.zeros(0), activity, np.zeros_like(activity), "no choice to make")


def _duals(model: PlanModel, solution: Solution) -> tuple[FloatArray | None, str]:
    if not model.integer.any():
        return solution.row_dual, "the linear program's row duals"
    lower = model.col_lower.copy()
    upper = model.col_upper.copy()
    fixed = np.round(solution.x[model.integer])
    lower[model.integer] = fixed
    upper[model.integer] = fixed
    relaxed = LinearProgram(
        model.costs(), model.matrix, model.row_lower, model.row_upper, lower, upper, options={"presolve": "off"}
    )
    try:
        again = relaxed.solve()
    except (Infeasible, SolverError):
        return None, ""
    return again.row_dual, "the linear program re-solved with every integer column fixed at its optimal value"


def elastic_conflicts(model: PlanModel) -> list[dict[str, Any]]:
    """Relax every named row but demand by a slack at a cost of 1 per unit of violation, scaled by the row's bound
    (so that a violation weighs as a share of it), minimise the violation, and report each violated row by family
    with the families whose binding rows share a column with it (through the structural rows)."""
    elastic = [b for b in model.blocks if not b.structural and b.rows.name not in HARD]
    rows = np.concatenate([np.arange(b.start, b.stop) for b in elastic]) if elastic else np.zeros(0, dtype=np.int64)
    lo, hi = model.row_lower[rows], model.row_upper[rows]
    up = rows[np.isfinite(lo)]  # slack that raises the activity
    down = rows[np.isfinite(hi)]  # slack that lowers it
    k_up, k_down = up.shape[0], down.shape[0]
    n_rows = model.matrix.shape[0]
    slack = sp.csr_matrix(
        (
            np.concatenate([np.ones(k_up), -np.ones(k_down)]),
            (np.concatenate([up, down]), np.arange(k_up + k_down)),
        ),
        shape=(n_rows, k_up + k_down),
    )
    weight = np.concatenate(
        [1.0 / np.maximum(1.0, np.abs(model.row_lower[up])), 1.0 / np.maximum(1.0, np.abs(model.row_upper[down]))]
    )
    width = model.n_cols
    costs = np.concatenate([np.zeros(width), weight])
    integer = np.concatenate([model.integer, np.zeros(k_up + k_down, dtype=bool)])
    limit = model.options.time_limit if model.options.time_limit is not None else ELASTIC_SECONDS
    opts: dict[str, Any] = {"mip_rel_gap": 1e-6, "time_limit": float(limit)}
    program = LinearProgram(
        costs,
        sp.hstack([model.matrix, slack], format="csr"),
        model.row_lower,
        model.row_upper,
        np.concatenate([model.col_lower, np.zeros(k_up + k_down)]),
        np.concatenate([model.col_upper, np.full(k_up + k_down, np.inf)]),
        integrality=integer if integer.any() else None,
        options=opts,
    )
    try:
        solved = program.solve(accept_time_limit=True)
    except (Infeasible, SolverError) as exc:
        return [{"name": "model", "row": "", "violation": None, "detail": f"no elastic solution either ({exc})"}]
    s = solved.x[width:]
    violation = np.zeros(n_rows)
    np.add.at(violation, up, s[:k_up])
    np.add.at(violation, down, s[k_up:])
    activity = np.asarray(model.matrix @ solved.x[:width], dtype=np.float64)  # the plan's own, without the slack
    tight = _binding(activity, model.row_lower, model.row_upper) | (violation > 1e-6)
    family = np.full(n_rows, -1, dtype=np.int64)
    structural = np.zeros(n_rows, dtype=bool)
    tying = np.zeros(n_rows, dtype=bool)  # rows that tie columns together: structural ones and demand
    for k, b in enumerate(model.blocks):
        family[b.start : b.stop] = k
        structural[b.start : b.stop] = b.structural
        tying[b.start : b.stop] = b.structural or b.rows.name in HARD
    matrix = sp.csr_matrix(model.matrix)
    links = sp.csr_matrix(matrix[np.flatnonzero(tying)])
    named_tight = np.flatnonzero(tight & ~structural)
    conflicts: list[dict[str, Any]] = []
    for b in elastic:
        part = violation[b.start : b.stop]
        shift = b.rows.offset if isinstance(b.rows, C.ShiftedRows) else np.zeros(len(b.rows.labels))
        for r in np.flatnonzero(part > 1e-6).tolist():
            i = b.start + r
            raised = bool(np.isin(i, up)) and (s[:k_up][up == i].sum() > 1e-6)
            bound = round(float(model.row_lower[i] if raised else model.row_upper[i]) + float(shift[r]), 12)
            cols = _reach(matrix, links, i)
            touching = named_tight[np.asarray(matrix[named_tight][:, cols].getnnz(axis=1)).ravel() > 0]
            partners = sorted({model.blocks[f].rows.name for f in family[touching].tolist()} - {b.rows.name})
            conflicts.append(
                {
                    "name": b.rows.name,
                    "row": b.rows.labels[r],
                    "violation": float(part[r]),
                    "direction": "short of the lower bound" if raised else "over the upper bound",
                    "bound": bound,
                    "detail": f"{b.rows.labels[r]}: needs to give way by {part[r]:.6g} "
                    f"({'short of' if raised else 'over'} its bound {bound:.6g} in the least-violating plan)",
                    "conflicts_with": partners,
                }
            )
    return conflicts


def _reach(matrix: sp.csr_matrix, links: sp.csr_matrix, row: int) -> np.ndarray:
    """The columns of ``row``, and those tied to them by a linking row (a share and its 'used' binary, the other
    sources of its item and site)."""
    cols = matrix.indices[matrix.indptr[row] : matrix.indptr[row + 1]]
    if links.shape[0] == 0 or cols.size == 0:
        return np.asarray(cols)
    tied = np.asarray(links[:, cols].getnnz(axis=1)).ravel() > 0
    more = links[np.flatnonzero(tied)].indices
    return np.unique(np.concatenate([cols, more]))


def _binding(activity: FloatArray, lower: FloatArray, upper: FloatArray) -> np.ndarray:
    tol = _TOL * (
        1.0
        + np.maximum(np.abs(np.nan_to_num(lower, posinf=0, neginf=0)), np.abs(np.nan_to_num(upper, posinf=0, neginf=0)))
    )
    at_lower = np.isfinite(lower) & (np.abs(activity - lower) <= tol)
    at_upper = np.isfinite(upper) & (np.abs(activity - upper) <= tol)
    return np.asarray(at_lower | at_upper, dtype=bool)


def constraint_report(model: PlanModel, solution: PlanSolution) -> list[dict[str, Any]]:
    """One entry per named constraint family: binding, shadow price (the largest in size among its binding rows),
    the binding rows (at most 10) with theirs."""
    out: list[dict[str, Any]] = []
    for b in model.blocks:
        if b.structural:
            continue
        lo, hi = model.row_lower[b.start : b.stop], model.row_upper[b.start : b.stop]
        entry: dict[str, Any] = {"name": b.rows.name, "binding": False, "shadow_price": None, "detail": b.rows.detail}
        if solution.row_activity is not None:
            act = solution.row_activity[b.start : b.stop]
            bind = _binding(act, lo, hi)
            entry["binding"] = bool(bind.any())
            dual = solution.row_dual[b.start : b.stop] if solution.row_dual is not None else None
            if dual is not None and len(dual):
                at = np.flatnonzero(bind) if bind.any() else np.arange(len(dual))
                best = at[np.argmax(np.abs(dual[at]))]
                entry["shadow_price"] = float(dual[best]) if bind.any() else 0.0
            rows = []
            shift = b.rows.offset if isinstance(b.rows, C.ShiftedRows) else np.zeros(len(b.rows.labels))
            for r in np.flatnonzero(bind)[:10].tolist():
                rows.append(
                    {
                        "row": b.rows.labels[r],
                        "activity": float(act[r] + shift[r]),
                        "shadow_price": None if dual is None else float(dual[r]),
                    }
                )
            entry["binding_rows"] = rows
            entry["rows"] = len(b.rows.labels)
            entry["binding_count"] = int(bind.sum())
        out.append(entry)
    return out


def summary_frame(model: PlanModel, shares: FloatArray) -> pl.DataFrame:
    """The choices with their share after (for the plan, the changes and the optimised network)."""
    return model.choice_set.frame.with_columns(pl.Series("share_after", shares, dtype=pl.Float64))
