"""The result of a sourcing plan (:class:`OptimizeResult`) and of a sweep of plans (:class:`ParetoResult`).

The JSON of :class:`OptimizeResult` is a public contract (``allyshore optimize --json``)::

    {"status", "gap", "as_of", "objective": {total_per_year, landed_cost_per_year, qualification_per_year,
     risk_per_year}, "before": {landed_cost_per_year, trusted_share, adversary_share, by_country,
     originating_goods}, "after": {...}, "plan": [{item_id, to_site, sources: [{site_id, country, share,
     status_before}]}], "changes": [{item_id, to_site, site_id, share_before, share_after}],
     "constraints": [{name, binding, shadow_price, detail}], "conflicts": [...], ...}

followed by ``unknown_costs``, ``model`` (how the plan was modelled: the linearisations it rests on), ``notes``
and ``assumptions``.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from allyshore.results import NOT_IN_JSON, Result, flat_frame

if TYPE_CHECKING:
    from allyshore.model.network import Network

OBJECTIVE_KEYS = ("total_per_year", "landed_cost_per_year", "qualification_per_year", "risk_per_year")
SIDE_KEYS = ("landed_cost_per_year", "trusted_share", "adversary_share", "by_country", "originating_goods")


@dataclass(frozen=True)
class OptimizeResult(Result):
    """A sourcing plan: its status, cost terms, exposure before and after, shares, changes and constraints."""

    status: str  # optimal | infeasible | time_limit
    gap: float
    as_of: str
    objective: Mapping[str, float]
    before: Mapping[str, Any]
    after: Mapping[str, Any]
    plan: tuple[Mapping[str, Any], ...]
    changes: tuple[Mapping[str, Any], ...]
    constraints: tuple[Mapping[str, Any], ...]
    conflicts: tuple[Mapping[str, Any], ...] = ()
    unknown_costs: tuple[Mapping[str, Any], ...] = ()
    unknown_capacity: tuple[Mapping[str, Any], ...] = ()
    model: Mapping[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    assumptions: tuple[Any, ...] = ()
    network: Network | None = field(default=None, metadata=NOT_IN_JSON, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        from allyshore.results import jsonable

        return {
            "status": self.status,
            "gap": self.gap,
            "as_of": self.as_of,
            "objective": {k: self.objective[k] for k in OBJECTIVE_KEYS},
            "before": jsonable(self.before),
            "after": jsonable(self.after),
            "plan": jsonable(list(self.plan)),
            "changes": jsonable(list(self.changes)),
            "constraints": jsonable(list(self.constraints)),
            "conflicts": jsonable(list(self.conflicts)),
            "unknown_costs": jsonable(list(self.unknown_costs)),
            "unknown_capacity": jsonable(list(self.unknown_capacity)),
            "model": jsonable(self.model),
            "notes": list(self.notes),
            "assumptions": jsonable(list(self.assumptions)),
        }

    @property
    def binding(self) -> tuple[Mapping[str, Any], ...]:
        """The constraint families that bind."""
        return tuple(c for c in self.constraints if c["binding"])

    def write_network(self, path: str | Path) -> Path:
        """Write the optimised network (format v1: the plan's shares in ``flows.share``, sources used ``active``,
        the others ``candidate``) to ``path`` (a folder of CSV files, .xlsx or .json)."""
        from allyshore.errors import InputError
        from allyshore.io import write_network

        if self.network is None:
            raise InputError(f"the plan is {self.status}: there is no optimised network to write")
        return write_network(self.network, path)

    def frames(self) -> dict[str, pl.DataFrame]:
        """Tables: summary, plan (one row per source), changes, constraints, conflicts, unknown_costs, unknown_capacity,
        by_country."""
        summary = {
            "status": self.status,
            "gap": self.gap,
            "as_of": self.as_of,
            **{k: self.objective[k] for k in OBJECTIVE_KEYS},
            **{f"before.{k}": self.before[k] for k in ("landed_cost_per_year", "trusted_share", "adversary_share")},
            **{f"after.{k}": self.after[k] for k in ("landed_cost_per_year", "trusted_share", "adversary_share")},
        }
        plan_rows = [{"item_id": p["item_id"], "to_site": p["to_site"], **s} for p in self.plan for s in p["sources"]]
        countries = sorted(set(self.before["by_country"]) | set(self.after["by_country"]))
        by_country = pl.DataFrame(
            {
                "country": countries,
                "share_before": [float(self.before["by_country"].get(c, 0.0)) for c in countries],
                "share_after": [float(self.after["by_country"].get(c, 0.0)) for c in countries],
            },
            schema={"country": pl.String, "share_before": pl.Float64, "share_after": pl.Float64},
        )
        out = {"summary": flat_frame([summary]), "by_country": by_country}
        tables: tuple[tuple[str, list[Mapping[str, Any]]], ...] = (
            ("plan", list(plan_rows)),
            ("changes", list(self.changes)),
            ("constraints", [{k: v for k, v in c.items() if k != "binding_rows"} for c in self.constraints]),
            ("conflicts", list(self.conflicts)),
            ("unknown_costs", list(self.unknown_costs)),
            ("unknown_capacity", list(self.unknown_capacity)),
        )
        for name, rows in tables:
            if rows:
                out[name] = flat_frame(rows)
        return out

    def describe(self) -> list[str]:
        """The plan in words: status, cost, shares, changes and the binding constraints."""
        gap = f", gap {self.gap:.4%}" if self.status != "infeasible" else ""
        lines = [f"Sourcing plan ({self.status}, as of {self.as_of}{gap})."]
        if self.status == "infeasible":
            lines.append("No plan meets every constraint. The least-violating plan needs these to give way:")
            lines += [f"  - {c['detail']}" for c in self.conflicts]
            return lines
        o = self.objective
        lines.append(
            f"Total USD {o['total_per_year']:,.0f} a year: landed cost {o['landed_cost_per_year']:,.0f}, "
            f"qualification {o['qualification_per_year']:,.0f}, priced risk {o['risk_per_year']:,.0f} "
            f"(landed cost before: {self.before['landed_cost_per_year']:,.0f})."
        )
        lines.append(
            f"Trusted share of value {self.before['trusted_share']:.1%} -> {self.after['trusted_share']:.1%}; "
            f"adversary share {self.before['adversary_share']:.1%} -> {self.after['adversary_share']:.1%}."
        )
        lines += binding_sentences(self.constraints)
        return lines

    def _repr_html_(self) -> str:
        esc = html.escape
        parts = [f"<h4>{esc(' '.join(self.describe()[:3]))}</h4>"]
        parts.append("<table><thead><tr><th>item</th><th>into</th><th>sources (share)</th></tr></thead><tbody>")
        for p in self.plan[:50]:
            sources = ", ".join(f"{esc(s['site_id'])} ({esc(s['country'])}) {s['share']:.1%}" for s in p["sources"])
            parts.append(f"<tr><td>{esc(p['item_id'])}</td><td>{esc(p['to_site'])}</td><td>{sources}</td></tr>")
        parts.append("</tbody></table>")
        if self.changes:
            parts.append(f"<p>{len(self.changes)} change(s).</p>")
        bound = binding_sentences(self.constraints)
        if bound:
            parts.append("<ul>" + "".join(f"<li>{esc(b)}</li>" for b in bound) + "</ul>")
        if self.conflicts:
            parts.append("<ul>" + "".join(f"<li>{esc(str(c['detail']))}</li>" for c in self.conflicts) + "</ul>")
        return "".join(parts)


def binding_sentences(constraints: Sequence[Mapping[str, Any]]) -> list[str]:
    """One sentence per binding constraint family (demand met, which always binds, left out)."""
    out = []
    for c in constraints:
        if not c["binding"] or c["name"] == "demand met":
            continue
        price = c.get("shadow_price")
        cost = "" if price is None else f"; raising its bound by one unit changes the total by USD {price:,.2f} a year"
        rows = c.get("binding_rows") or []
        which = (
            f" ({rows[0]['row']}"
            + (f" and {c.get('binding_count', len(rows)) - 1} more)" if c.get("binding_count", 1) > 1 else ")")
            if rows
            else ""
        )
        out.append(f"Binding: {c['detail']}{which}{cost}.")
    return out


@dataclass(frozen=True)
class ParetoResult(Result):
    """One optimal plan per value of a swept parameter: the frontier of cost against it."""

    parameter: str
    frontier: tuple[Mapping[str, Any], ...]
    as_of: str = ""
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        from allyshore.results import jsonable

        return {
            "frontier": jsonable(list(self.frontier)),
            "parameter": self.parameter,
            "as_of": self.as_of,
            "notes": list(self.notes),
        }

    def frames(self) -> dict[str, pl.DataFrame]:
        rows: list[Mapping[str, Any]] = [
            {
                "parameter": p["parameter"],
                "value": str(p["value"]),
                "status": p["status"],
                **{k: p["objective"].get(k) for k in OBJECTIVE_KEYS},
                **{
                    f"after.{k}": p["after"].get(k)
                    for k in ("landed_cost_per_year", "trusted_share", "adversary_share")
                },
            }
            for p in self.frontier
        ]
        return {"frontier": flat_frame(rows)} if rows else {}
