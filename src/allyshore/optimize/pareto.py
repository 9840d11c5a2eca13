"""The frontier of sourcing plans: one optimal plan per value of a swept parameter, warm-started.

A sweep names the parameter and its values, ``start:stop:count`` (evenly spaced, both ends included):

* ``min-trusted-share=0.5:1.0:6``: the minimum trusted share of value;
* ``max-country-share=CN:0.3:0:4``: the cap on one country's share of each good's value;
* ``risk-weight=0:2:5``: the weight of the priced risk in the objective.

The model is built once, with the swept constraint at its first value; each later point moves only that
constraint's row bounds (or the objective's costs, for the risk weight) on the same
:class:`~allyshore._lp.LinearProgram`, so HiGHS starts from the previous point's basis.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from allyshore.conventions import as_date
from allyshore.errors import InputError
from allyshore.model.network import Network
from allyshore.optimize.choices import build_choices
from allyshore.optimize.model import PlanModel, build_model, solve_model
from allyshore.optimize.options import PlanOptions, coerce
from allyshore.optimize.plan import apply_plan, clean_shares, objective_of, resolve_plan_policy, side
from allyshore.optimize.results import ParetoResult

if TYPE_CHECKING:
    from allyshore.conventions import AsOf, Progress
    from allyshore.cost.assumptions import Assumptions
    from allyshore.trust.policy import PolicySource

PARAMETERS = ("min-trusted-share", "max-country-share", "risk-weight")


@dataclass(frozen=True)
class Sweep:
    """A parsed ``--sweep``: the parameter, its country (for a country cap) and its values."""

    parameter: str
    values: tuple[float, ...]
    country: str = ""


def parse_sweep(text: str) -> Sweep:
    """``"min-trusted-share=0.5:1.0:6"`` -> Sweep("min-trusted-share", (0.5, 0.6, ..., 1.0))."""
    name, sep, spec = text.partition("=")
    name = name.strip().replace("_", "-")
    if not sep or name not in PARAMETERS:
        raise InputError(
            f"--sweep '{text}': write PARAMETER=START:STOP:COUNT with PARAMETER one of {', '.join(PARAMETERS)}"
        )
    parts = spec.split(":")
    country = ""
    if name == "max-country-share":
        if len(parts) != 4:
            raise InputError(f"--sweep '{text}': write max-country-share=COUNTRY:START:STOP:COUNT, e.g. CN:0.3:0:4")
        country, parts = parts[0].strip().upper(), parts[1:]
    if len(parts) != 3:
        raise InputError(f"--sweep '{text}': write {name}=START:STOP:COUNT, e.g. 0.5:1.0:6")
    try:
        start, stop, count = float(parts[0]), float(parts[1]), int(parts[2])
    except ValueError:
        raise InputError(f"--sweep '{text}': START and STOP are numbers, COUNT a whole number") from None
    if count < 1:
        raise InputError(f"--sweep '{text}': COUNT must be at least 1")
    values = tuple(round(float(v), 12) for v in np.linspace(start, stop, count))
    return Sweep(name, values, country)


def pareto(
    network: Network,
    *,
    sweep: str | Sweep,
    as_of: AsOf = None,
    policy: PolicySource = None,
    assumptions: Assumptions = None,
    progress: Progress | None = None,
    options: PlanOptions | None = None,
    **values: Any,
) -> ParetoResult:
    """One optimal plan per value of ``sweep`` (see the module docstring), the other options as in
    :func:`allyshore.optimize`. Each point gives its status, objective terms and exposure after."""
    chosen_sweep = parse_sweep(sweep) if isinstance(sweep, str) else sweep
    file_values, trust = resolve_plan_policy(policy)
    chosen = PlanOptions().merged(file_values)
    if options is not None:
        chosen = chosen.merged({k: getattr(options, k) for k in PlanOptions.__dataclass_fields__})
    if values:
        chosen = chosen.merged(coerce(values, "pareto()"))
    first = chosen_sweep.values[0]
    if chosen_sweep.parameter == "min-trusted-share":
        chosen = chosen.merged({"min_trusted_share": first})
    elif chosen_sweep.parameter == "max-country-share":
        chosen = chosen.merged({"max_country_share": {**chosen.max_country_share, chosen_sweep.country: first}})
    else:
        chosen = chosen.merged({"risk_weight": first})
    when = as_date(as_of)
    choice_set = build_choices(network, as_of=when, policy=trust, assumptions=assumptions)
    model = build_model(
        network, choice_set, chosen, as_of=when, policy=trust, with_risk=chosen_sweep.parameter == "risk-weight"
    )
    x0 = choice_set.frame.get_column("share_before").to_numpy()
    trusted = chosen.trusted_tiers
    frontier: list[dict[str, Any]] = []
    notes: list[str] = []
    previous = first
    for k, value in enumerate(chosen_sweep.values):
        _move(model, chosen_sweep, previous, value)
        previous = value
        solution = solve_model(model, duals=False)
        label: Any = value if not chosen_sweep.country else f"{chosen_sweep.country}={value:g}"
        point: dict[str, Any] = {"parameter": chosen_sweep.parameter, "value": label, "status": solution.status}
        if solution.x is not None:
            shares = clean_shares(choice_set, solution.x)
            objective = objective_of(model, solution.x, shares)
            if chosen_sweep.parameter == "risk-weight":
                objective["risk_per_year"] = float(value * (model.risk @ shares))
                objective["total_per_year"] = (
                    objective["landed_cost_per_year"] + objective["qualification_per_year"] + objective["risk_per_year"]
                )
            optimised = apply_plan(network, choice_set.frame.get_column("flow_row").to_numpy(), shares)
            point["objective"] = objective
            point["after"] = side(optimised, objective["landed_cost_per_year"], trusted, policy=trust, originating=[])
            point["gap"] = solution.gap
        else:
            point["objective"] = objective_of(model, None, None)
            point["after"] = {}
            point["conflicts"] = list(solution.conflicts)
        frontier.append(point)
        if progress is not None:
            progress(k + 1, len(chosen_sweep.values))
    before = side(network, float(model.landed @ x0), trusted, policy=trust, originating=[])
    notes.append(
        f"before: landed cost USD {before['landed_cost_per_year']:,.0f} a year, trusted share "
        f"{before['trusted_share']:.4f}, adversary share {before['adversary_share']:.4f}"
    )
    notes.append("each point warm-started from the previous one's basis on the same program")
    return ParetoResult(chosen_sweep.parameter, tuple(frontier), as_of=when.isoformat(), notes=tuple(notes))


def _move(model: PlanModel, sweep: Sweep, previous: float, value: float) -> None:
    """Move the swept parameter from ``previous`` to ``value`` on the model and its program (bounds or costs)."""
    lp = model.program()
    if sweep.parameter == "risk-weight":
        costs = model.costs(risk_weight=value)
        lp.set_costs(np.arange(model.n), costs[: model.n])
        return
    names = (
        ("min trusted share", "min trusted share (total value)")
        if sweep.parameter == "min-trusted-share"
        else (f"max share of {sweep.country}",)
    )
    shift = value - previous
    for name in names:
        block = model.block(name)
        if block is None:
            continue
        rows = np.arange(block.start, block.stop)
        lower = model.row_lower[rows] + (shift if sweep.parameter == "min-trusted-share" else 0.0)
        upper = model.row_upper[rows] + (shift if sweep.parameter == "max-country-share" else 0.0)
        model.row_lower[rows], model.row_upper[rows] = lower, upper
        lp.set_row_bounds(rows, lower, upper)
