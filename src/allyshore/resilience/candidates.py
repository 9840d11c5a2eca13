"""Candidate sources in a disruption: usable after a qualification lead time and a ramp-up.

A ``supply`` or ``flows`` row with ``status = candidate`` is a source the network
does not use today. With ``with_candidates`` the stress test and the Monte Carlo
may switch to it once the disruption starts, but not at once:

* it ships nothing for ``q`` weeks (``qualification_weeks``: qualifying the part
  or the lane, the first order and its first delivery), then
* its output rises linearly from 0 to its full capacity ``c`` over ``r`` weeks
  (``ramp_up_weeks``).

Its cumulative output by week t is then exactly ``c (t - q)^2 / (2 r)`` on
``[q, q + r]`` and ``c (t - q - r/2)`` after. The stress test counts
``c max(0, t - q - r/2)``: a source at full capacity from week ``a = q + r/2``.
That equals the exact ramp from week ``q + r`` on and lies below it before (by at
most ``c r / 8``, at ``t = a``), so it never overstates what the candidate
delivers, and it keeps every program linear: with the weeks ``a`` of the
candidates as period boundaries, each candidate is simply off before its
boundary and at full capacity after (:mod:`allyshore.resilience.phased`).

A candidate *node* (supply row) makes and ships nothing before its ``a``; a
candidate *flow* (a new lane, from a candidate or an active node) carries nothing
before its own ``a`` (the later of the flow's and its sender's when both are
candidates) and afterwards at most the sender's capacity per week. Candidates
whose sites are disrupted stay down with them.

Defaults (:data:`DEFAULT_QUALIFICATION_WEEKS`, :data:`DEFAULT_RAMP_UP_WEEKS`) are
modelling defaults, not data: no public data set gives qualification times for a
network's parts. They are stated in every result and overridden per row by the
optional columns ``qualification_weeks`` and ``ramp_up_weeks`` of ``supply`` and
``flows``, or for all rows by the options of ``stress`` and ``simulate``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from allyshore.errors import InputError
from allyshore.model.graph import NodeGraph

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

#: Weeks before a candidate source delivers its first usable output (modelling default: one quarter).
DEFAULT_QUALIFICATION_WEEKS = 12.0
#: Weeks from its first output to its full capacity (modelling default).
DEFAULT_RAMP_UP_WEEKS = 4.0


@dataclass(frozen=True)
class CandidateTerms:
    """Qualification lead time and ramp-up of every candidate row that does not give its own."""

    qualification_weeks: float = DEFAULT_QUALIFICATION_WEEKS
    ramp_up_weeks: float = DEFAULT_RAMP_UP_WEEKS

    def __post_init__(self) -> None:
        for name in ("qualification_weeks", "ramp_up_weeks"):
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                raise InputError(f"--{name.replace('_', '-')} must be a number of weeks >= 0, not {value}")


@dataclass(frozen=True, eq=False)
class CandidatePlan:
    """When each candidate node and edge of a compiled network may be used (``inf`` start: never)."""

    terms: CandidateTerms
    node_candidate: BoolArray
    node_qualification: FloatArray
    node_ramp: FloatArray
    node_start: FloatArray  # a = q + r/2 for candidate nodes, 0 for the others
    edge_gated: BoolArray  # the edge travels on a candidate flow or leaves a candidate node
    edge_start: FloatArray  # a of the edge (0 when not gated)

    @property
    def any(self) -> bool:
        return bool(self.node_candidate.any() or self.edge_gated.any())

    @property
    def first_start(self) -> float:
        """The earliest week any candidate delivers (``inf`` without candidates)."""
        starts = np.concatenate([self.node_start[self.node_candidate], self.edge_start[self.edge_gated]])
        return float(starts.min()) if starts.size else math.inf

    @property
    def breakpoints(self) -> FloatArray:
        """The distinct weeks > 0 at which candidates come on (period boundaries)."""
        starts = np.concatenate([self.node_start[self.node_candidate], self.edge_start[self.edge_gated]])
        return np.unique(starts[(starts > 0) & np.isfinite(starts)])

    def describe(self) -> list[str]:
        t = self.terms
        return [
            f"Candidate sources (status candidate) may be used once the disruption starts: nothing for "
            f"qualification_weeks (default {t.qualification_weeks:g}), then a linear ramp-up to full capacity over "
            f"ramp_up_weeks (default {t.ramp_up_weeks:g}); counted as full capacity from q + r/2, which equals the "
            "ramp's cumulative output from q + r on and is below it before (modelling defaults, not data; per-row "
            "columns override them).",
        ]

    def to_list(self, graph: NodeGraph) -> list[dict[str, Any]]:
        """The candidate nodes with their terms, for JSON."""
        return [
            {
                "node": graph.node_label(int(j)),
                "qualification_weeks": float(self.node_qualification[j]),
                "ramp_up_weeks": float(self.node_ramp[j]),
                "full_capacity_from_week": float(self.node_start[j]),
            }
            for j in np.flatnonzero(self.node_candidate)
        ]


def _weeks(frame: pl.DataFrame, column: str, default: float) -> FloatArray:
    if column not in frame.columns or frame.height == 0:
        return np.full(frame.height, default)
    values = frame.get_column(column).cast(pl.Float64).to_numpy().astype(np.float64)
    return np.where(np.isnan(values), default, values)


def candidate_plan(graph: NodeGraph, terms: CandidateTerms | None = None) -> CandidatePlan:
    """Qualification, ramp-up and start week of every candidate supply row and flow of ``graph``."""
    terms = terms or CandidateTerms()
    network = graph.network
    supply, flows = network.supply, network.flows
    n = graph.n_nodes
    rows = graph.node_supply_row
    real = rows >= 0
    candidate = np.zeros(n, dtype=bool)
    if supply.height:
        status = (supply.get_column("status") == "candidate").to_numpy()
        candidate[real] = status[rows[real]]
    qualification = np.zeros(n)
    ramp = np.zeros(n)
    qualification[real] = _weeks(supply, "qualification_weeks", terms.qualification_weeks)[rows[real]]
    ramp[real] = _weeks(supply, "ramp_up_weeks", terms.ramp_up_weeks)[rows[real]]
    qualification[~candidate] = 0.0
    ramp[~candidate] = 0.0
    node_start = qualification + ramp / 2.0

    on_flow = graph.edge_flow >= 0
    flow_candidate = np.zeros(graph.n_edges, dtype=bool)
    flow_start = np.zeros(graph.n_edges)
    if flows.height:
        status = (flows.get_column("status") == "candidate").to_numpy()
        start = _weeks(flows, "qualification_weeks", terms.qualification_weeks) + (
            _weeks(flows, "ramp_up_weeks", terms.ramp_up_weeks) / 2.0
        )
        flow_candidate[on_flow] = status[graph.edge_flow[on_flow]]
        flow_start[on_flow] = np.where(flow_candidate[on_flow], start[graph.edge_flow[on_flow]], 0.0)
    supplier_candidate = candidate[graph.edge_supplier]
    gated = flow_candidate | supplier_candidate
    edge_start = np.where(gated, np.maximum(flow_start, node_start[graph.edge_supplier]), 0.0)
    return CandidatePlan(
        terms=terms,
        node_candidate=candidate,
        node_qualification=qualification,
        node_ramp=ramp,
        node_start=node_start,
        edge_gated=gated,
        edge_start=edge_start,
    )
