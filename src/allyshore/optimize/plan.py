"""The sourcing plan end to end: choices, model, solve, the optimised network, and its exposure before and after.

:func:`optimize` is the public function (``allyshore.optimize``); :func:`apply_plan` turns a plan's shares into a
network (format v1) that every other analysis runs on; :func:`side` measures a network the way the result's
``before`` and ``after`` report it, with the exposure engine itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from allyshore.conventions import as_date
from allyshore.model.network import Network
from allyshore.optimize.choices import ChoiceSet, build_choices
from allyshore.optimize.model import PlanModel, PlanSolution, build_model, constraint_report, solve_model
from allyshore.optimize.options import PlanOptions, coerce, read_plan_file
from allyshore.optimize.results import OptimizeResult

if TYPE_CHECKING:
    from allyshore.conventions import AsOf, Progress
    from allyshore.cost.assumptions import Assumptions
    from allyshore.trust.policy import PolicySource

_ZERO = 1e-9

LINEARISATION = (
    "Landed cost per unit of each flow is the landed-cost engine's on as_of (active flows at the units they carry "
    "today, candidates at the full need of their receiving site), held constant as shares move.",
    "Shares of value by tier and country are linearised around today's plan: the units of every node per unit of "
    "finished good and each good's unit value are held at today's roll-up (exact when no choice sits below "
    "another); the before and after figures are the exposure engine's own on each network.",
    "Needs per (item, receiving site) are today's; capacity rows count the units a week on the flows of a node "
    "or site.",
)


def resolve_plan_policy(policy: PolicySource) -> tuple[dict[str, Any], PolicySource]:
    """The ``[optimize]`` options of a plan file named by ``policy`` and the trust policy it holds (None: the
    shipped one). A policy object passes through with no options."""
    if isinstance(policy, str | Path):
        from allyshore.trust.policy import policy_from_dict

        values, rest = read_plan_file(policy)
        trust = policy_from_dict(rest, str(policy)) if rest else None
        return values, trust
    return {}, policy


def optimize(
    network: Network,
    *,
    as_of: AsOf = None,
    policy: PolicySource = None,
    assumptions: Assumptions = None,
    progress: Progress | None = None,
    options: PlanOptions | None = None,
    **values: Any,
) -> OptimizeResult:
    """The sourcing plan of ``network`` that minimises landed cost (plus qualification and priced risk) under the
    constraints the options name; see docs/optimize.md.

    ``policy`` is a trust policy, or a TOML file: a trust policy, a plan file with an ``[optimize]`` table of
    options, or both. Options come from the plan file, then ``options``, then keyword ``values`` (option names,
    e.g. ``min_trusted_share=0.8``, ``max_country_share={"CN": 0.1}``), each overriding the one before.
    """
    file_values, trust = resolve_plan_policy(policy)
    chosen = PlanOptions().merged(file_values)
    if options is not None:
        chosen = chosen.merged({k: getattr(options, k) for k in _set_fields(options)})
    if values:
        chosen = chosen.merged(coerce(values, "optimize()"))
    total = 4
    step = 0

    def advance() -> None:
        nonlocal step
        step += 1
        if progress is not None:
            progress(step, total)

    when = as_date(as_of)
    choice_set = build_choices(
        network, as_of=when, policy=trust, assumptions=assumptions, required=chosen.require_originating
    )
    advance()
    model = build_model(network, choice_set, chosen, as_of=when, policy=trust)
    advance()
    solution = solve_model(model)
    advance()
    result = assemble(network, model, solution, as_of=when.isoformat(), policy=trust, assumptions=assumptions)
    advance()
    return result


def _set_fields(options: PlanOptions) -> list[str]:
    default = PlanOptions()
    return [k for k in PlanOptions.__dataclass_fields__ if getattr(options, k) != getattr(default, k)]


def clean_shares(choice_set: ChoiceSet, x: np.ndarray) -> np.ndarray:
    """The solver's shares clipped to 0..1, dust (< 1e-9) dropped and each (item, site)'s scaled to sum to 1."""
    n = choice_set.frame.height
    shares = np.clip(np.asarray(x[:n], dtype=np.float64), 0.0, 1.0)
    shares[shares < _ZERO] = 0.0
    group = choice_set.frame.get_column("group").to_numpy()
    total = np.bincount(group, weights=shares, minlength=int(group.max()) + 1 if n else 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(total[group] > 0, shares / total[group], shares)
    return np.asarray(out, dtype=np.float64)


def apply_plan(network: Network, flow_rows: np.ndarray, shares: np.ndarray) -> Network:
    """``network`` with the plan's ``shares`` on the flow rows ``flow_rows``: ``flows.share`` set, a flow with a
    share ``active`` and one without ``candidate``; a supply row ``active`` when one of its flows is active, else
    ``candidate`` (a row that ships on no flow keeps its status). Format v1, so that every other analysis runs on it.
    Pure: returns a new network."""
    flows = network.flows
    share = np.full(flows.height, np.nan)
    share[flow_rows] = shares
    given = ~np.isnan(share)
    old_share = flows.get_column("share").cast(pl.Float64).to_numpy()
    new_share = np.where(given, share, old_share)
    used = given & (share > 0)
    status = np.where(given, np.where(used, "active", "candidate"), flows.get_column("status").fill_null("active"))
    new_flows = flows.with_columns(
        pl.Series("share", np.where(given & ~used, 0.0, new_share), dtype=pl.Float64),
        pl.Series("status", status.tolist(), dtype=pl.String),
    )
    # A supply row ships on the plan's flows: active when one of its flows is active afterwards, candidate when it
    # has flows and none is (a plant's row that ships on no flow, e.g. to its own demand, keeps its status).
    shipping = new_flows.group_by(pl.col("from_site").alias("site_id"), "item_id").agg(
        (pl.col("status") != "candidate").any().alias("_active")
    )
    supply = network.supply
    if shipping.height:
        hit = (
            supply.select("site_id", "item_id")
            .join(shipping, on=["site_id", "item_id"], how="left", maintain_order="left")
            .get_column("_active")
        )
        supply = supply.with_columns(
            pl.when(hit.is_null())
            .then(pl.col("status"))
            .when(hit)
            .then(pl.lit("active"))
            .otherwise(pl.lit("candidate"))
            .alias("status")
        )
    tables = {**network.tables, "flows": new_flows, "supply": supply}
    return replace(network, tables=tables, name=f"{network.name} (optimised)")


def side(
    network: Network,
    landed_cost_per_year: float,
    trusted_tiers: tuple[str, ...],
    *,
    policy: PolicySource,
    originating: list[str],
) -> dict[str, Any]:
    """``before``/``after`` of the result: landed cost, and the exposure engine's value shares over every finished
    good (weighted by value a week): trusted (tiers at or above the level), adversary, by country, by tier."""
    from allyshore.exposure import exposure

    found = exposure(network, policy=policy, max_choke_points=0)
    total = sum(g.unit_value * g.units_per_week for g in found.goods)
    by_country: dict[str, float] = {}
    by_tier: dict[str, float] = {}
    goods = []
    for g in found.goods:
        weight = g.unit_value * g.units_per_week
        for c, s in g.by_country.items():
            by_country[c] = by_country.get(c, 0.0) + s * weight
        for t, s in g.by_tier.items():
            by_tier[t] = by_tier.get(t, 0.0) + s * weight
        goods.append(
            {
                "item_id": g.item_id,
                "unit_value": g.unit_value,
                "trusted_share": sum(s for t, s in g.by_tier.items() if t in trusted_tiers),
                "adversary_share": g.by_tier.get("adversary", 0.0),
                "by_country": dict(g.by_country),
            }
        )
    scale = 1.0 / total if total > 0 else 0.0
    shares_c = {c: v * scale for c, v in sorted(by_country.items(), key=lambda kv: (-kv[1], kv[0])) if v > 0}
    shares_t = {t: v * scale for t, v in by_tier.items() if v > 0}
    return {
        "landed_cost_per_year": landed_cost_per_year,
        "trusted_share": sum(v for t, v in shares_t.items() if t in trusted_tiers),
        "adversary_share": shares_t.get("adversary", 0.0),
        "by_country": shares_c,
        "originating_goods": originating,
        "by_tier": shares_t,
        "goods": goods,
    }


def engine_landed_cost(network: Network, as_of: str, policy: PolicySource, assumptions: Assumptions) -> float:
    """The sum of every active flow's landed cost a year on ``network``, by the landed-cost engine (the
    ``sum_of_tiers_per_year`` of ``allyshore cost network``; unknown duties counted 0 as there)."""
    from allyshore.cost.network import flow_costs

    frame = flow_costs(network, as_of=as_of, policy=policy, assumptions=assumptions).frame
    active = frame.filter(pl.col("status") != "candidate")
    return float((active.get_column("total_per_unit") * active.get_column("annual_units")).sum())


def originating_of(network: Network, as_of: str) -> list[str]:
    """The goods the origin engine finds originating."""
    from allyshore.optimize import origin_rows

    return sorted(origin_rows.originating_goods(network, as_of=as_of))


def objective_of(model: PlanModel, x: np.ndarray | None, shares: np.ndarray | None) -> dict[str, float]:
    """The objective's terms, each USD a year, for the shares (landed cost at the known part of each flow)."""
    if x is None or shares is None:
        nan = float("nan")
        return {"total_per_year": nan, "landed_cost_per_year": nan, "qualification_per_year": nan, "risk_per_year": nan}
    landed = float(model.landed @ shares)
    risk = float(model.options.risk_weight * (model.risk @ shares))
    qualification = 0.0
    if model.layout.used is not None:
        used = np.round(x[model.layout.used : model.layout.used + model.n])
        qualification = float(model.qualification @ used)
    return {
        "total_per_year": landed + qualification + risk,
        "landed_cost_per_year": landed,
        "qualification_per_year": qualification,
        "risk_per_year": risk,
    }


def unknown_capacity(model: PlanModel, shares: np.ndarray | None, notes: list[str]) -> tuple[dict[str, Any], ...]:
    """The candidate sources with no capacity given, each with its share in the plan (None without a plan); a
    note when the plan gives any of them a share (its capacity then taken as unlimited, unchecked)."""
    mask = model.unknown_capacity
    if not mask.any():
        return ()
    frame = model.choice_set.frame.filter(pl.Series(mask))
    share = [None] * frame.height if shares is None else [float(v) for v in shares[mask]]
    rows = frame.select("item_id", "to_site", pl.col("from_site").alias("site_id")).with_columns(
        pl.Series("share", share, dtype=pl.Float64)
    )
    used = sum(1 for v in share if v)
    if used:
        notes.append(
            f"{used} candidate source(s) with no capacity_per_week (on the supply row or the site) carry a share of "
            "the plan: a blank capacity is taken as unlimited, so check it against a quote, give capacity_per_week, "
            "or leave them out with require_capacity; see unknown_capacity"
        )
    return tuple(rows.iter_rows(named=True))


def assemble(
    network: Network,
    model: PlanModel,
    solution: PlanSolution,
    *,
    as_of: str,
    policy: PolicySource,
    assumptions: Assumptions = None,
    with_plan: bool = True,
) -> OptimizeResult:
    """The result of a solved model: plan, changes, cost terms, exposure before and after, constraints.

    ``after`` also gives ``landed_cost_engine_per_year``: the landed-cost engine run again on the optimised
    network (every active flow at the units it then carries), beside the model's figure (unit costs held)."""
    frame = model.choice_set.frame
    notes = list(model.notes)
    trusted = model.options.trusted_tiers
    x0 = frame.get_column("share_before").to_numpy()
    originating_before = (
        list(model.originating_before) if model.originating_before is not None else originating_of(network, as_of)
    )
    before = side(network, float(model.landed @ x0), trusted, policy=policy, originating=originating_before)
    shares = clean_shares(model.choice_set, solution.x) if solution.x is not None else None
    objective = objective_of(model, solution.x, shares)
    plan: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    optimised: Network | None = None
    if shares is not None:
        optimised = apply_plan(network, frame.get_column("flow_row").to_numpy(), shares)
        after = side(
            optimised,
            objective["landed_cost_per_year"],
            trusted,
            policy=policy,
            originating=originating_of(optimised, as_of),
        )
        if with_plan:
            plan, changes = plan_tables(frame, shares)
            after["landed_cost_engine_per_year"] = engine_landed_cost(optimised, as_of, policy, assumptions)
    else:
        after = dict(before)
        notes.append("no plan: 'after' repeats 'before'")
    if solution.duals_from:
        notes.append(f"shadow prices: {solution.duals_from}; USD a year per unit of the row's bound")
    elif model.integer.any() and solution.status == "optimal":
        notes.append("shadow prices: not available (the fixed-integer re-solve failed)")
    return OptimizeResult(
        status=solution.status,
        gap=float(solution.gap) if solution.status != "infeasible" else 0.0,
        as_of=as_of,
        objective=objective,
        before=before,
        after=after,
        plan=tuple(plan),
        changes=tuple(changes),
        constraints=tuple(constraint_report(model, solution)),
        conflicts=solution.conflicts,
        unknown_costs=model.choice_set.unknown_costs,
        unknown_capacity=unknown_capacity(model, shares, notes),
        model={
            "choices": model.n,
            "rows": int(model.matrix.shape[0]),
            "columns": model.n_cols,
            "integer_columns": int(model.integer.sum()),
            "projection_years": model.years,
            "trusted_tiers": list(trusted),
            "linearisation": list(LINEARISATION),
            "unknown_cost_treatment": "an active flow with an unknown duty or price is costed at its known part "
            "and flagged; a candidate one is "
            + (
                "costed at its known part too (allow_unknown_costs)"
                if model.options.allow_unknown_costs
                else "chosen only when no plan without it meets the constraints (a penalty in the model, "
                "in no reported figure; shadow prices may include it)"
            ),
        },
        notes=tuple(notes),
        assumptions=tuple(model.choice_set.costs.assumptions),
        network=optimised,
    )


def plan_tables(frame: pl.DataFrame, shares: np.ndarray) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The plan (sources with a share, largest first, per item and site) and the changes (shares that move)."""
    table = frame.select(
        "item_id", "to_site", pl.col("from_site").alias("site_id"), "country", "status_before", "share_before"
    ).with_columns(pl.Series("share", shares, dtype=pl.Float64))
    plan = (
        table.filter(pl.col("share") > 0)
        .sort(["item_id", "to_site", "share", "site_id"], descending=[False, False, True, False])
        .group_by("item_id", "to_site", maintain_order=True)
        .agg(pl.struct("site_id", "country", "share", "status_before").alias("sources"))
        .to_dicts()
    )
    changes = (
        table.filter((pl.col("share") - pl.col("share_before")).abs() > 1e-6)
        .select("item_id", "to_site", "site_id", "share_before", pl.col("share").alias("share_after"))
        .sort("item_id", "to_site", "site_id")
        .to_dicts()
    )
    return plan, changes


def options_from(values: Mapping[str, Any]) -> PlanOptions:
    """Plan options from option names (dashes or underscores)."""
    return PlanOptions().merged(values)
