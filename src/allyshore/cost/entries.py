"""Customs entries shared by the goods that travel together on a lane (consolidated shipments).

A *lane* is one shipping site, one receiving site and one mode. Every shipment on a lane
that crosses into another customs territory is one customs entry, whatever it carries, so
the fees charged per entry are shared by the goods on it:

* the customs broker's fee per entry and the border-crossing fee per shipment (truck arrival);
* the US merchandise processing fee (MPF). It is ad valorem on the value of the entry
  (0.3464 %, 19 CFR 24.23(b)(1)(i)(A)) with a minimum and a maximum *per formal entry*
  (19 CFR 24.23(b)(1)(i)(B)(1); the figures by fiscal year are in ``data/cost/mpf.csv``), and
  USMCA / NAFTA-originating goods are exempt (19 CFR 24.23(c)(3)). CBP computes the fee line by
  line, ad valorem, and applies the minimum and maximum to the entry as a whole (CBP CSMS
  00-000643, 20 Jun 2000); brokers prorate a clamped fee over the liable lines by their value.

**Allocation key: the share of the entry's value.** For MPF it is exact: below the maximum and
above the minimum each line pays the rate on its own value, and a clamped fee is shared in
proportion to the value it is levied on (the liable lines only: an exempt good pays none). The
broker and crossing fees are allocated by the same key, so that a USD 0.07 housing that rides
with USD 300 boards carries a negligible share instead of a whole entry. Other keys (lines,
weight) are defensible for a broker's fee; value keeps one key for every entry fee and makes the
allocated fees sum to the entry's fees.

Each option's goods are spread evenly over the lane's shipments: ``E`` entries a year (the most
frequent of its active flows, each flow's ``shipments_per_year`` or the lane-type default), the
option's value per entry ``customs_value · D ÷ E``. Active flows make up the lane; a candidate
flow is costed as joining its lane's active flows (``network_cost``), and ``compare_sources``
adds the active flows of other items on the option's lane. ``other_goods_value_per_shipment`` on
a flow adds goods that are not modelled as flows (taken as liable to MPF).

>>> import numpy as np
>>> from allyshore.cost.kernel import CostInputs, landed_cost
>>> housing = CostInputs.single(unit_price=0.07, annual_units=52_000.0, shipment_units=1_000.0,
...                             broker_per_entry=125.0, dutiable=True)
>>> board = CostInputs.single(unit_price=300.0, annual_units=5_200.0, shipment_units=100.0,
...                           broker_per_entry=125.0, dutiable=True)
>>> both = consolidate_entries(CostInputs.concat([housing, board]), np.array([0, 0]), np.array([True, True]))
>>> [round(float(v), 6) for v in landed_cost(both)["broker_crossing"]]   # 125 x value / 30,070 per unit
[0.000291, 1.24709]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from allyshore.cost.assumptions import Assumption
from allyshore.cost.kernel import CostInputs, FloatArray, customs_value_of

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


def lane_ids(*codes: IntArray) -> IntArray:
    """A dense lane number per option from integer codes (site from, site to, mode; -1 allowed)."""
    key = np.zeros(codes[0].shape[0], dtype=np.int64)
    for code in codes:
        span = int(code.max(initial=0)) + 2
        key = key * span + (code.astype(np.int64) + 1)
    _, inverse = np.unique(key, return_inverse=True)
    dense: IntArray = inverse.astype(np.int64).reshape(-1)
    return dense


def consolidate_entries(
    inputs: CostInputs,
    lane: IntArray,
    member: BoolArray,
    other_goods_per_shipment: FloatArray | None = None,
) -> CostInputs:
    """``inputs`` with each option's customs entries shared with the active flows of its lane.

    ``lane`` numbers the lanes (0..L-1, see :func:`lane_ids`), ``member`` marks the options that
    ship today (their value makes up the lane); every option sees the others' value per entry,
    at its lane's entries a year: the most frequent of the lane's members and itself.
    ``other_goods_per_shipment`` adds goods that are not options (USD per shipment; the largest
    given on the lane counts). One pass of ``bincount``: no loop over lanes.
    """
    if inputs.size == 0:
        return inputs
    lanes = int(lane.max()) + 1
    q = np.maximum(inputs.shipment_units, 1e-12)
    d_year = np.maximum(inputs.annual_units, 1e-12)
    own_entries = d_year / q
    lane_entries = np.zeros(lanes)
    np.maximum.at(lane_entries, lane[member], own_entries[member])
    entries = np.maximum(own_entries, lane_entries[lane])
    annual_value = customs_value_of(inputs) * d_year
    liable = member & inputs.mpf_applies
    lane_value = np.bincount(lane[member], weights=annual_value[member], minlength=lanes)
    lane_mpf_value = np.bincount(lane[liable], weights=annual_value[liable], minlength=lanes)
    others = lane_value[lane] - np.where(member, annual_value, 0.0)
    mpf_others = lane_mpf_value[lane] - np.where(liable, annual_value, 0.0)
    outside: FloatArray | float = 0.0
    given = None if other_goods_per_shipment is None else np.asarray(other_goods_per_shipment, dtype=np.float64)
    if given is not None and bool(np.any(given > 0)):  # nan compares False: nothing given
        given = np.nan_to_num(given)
        lane_given = np.zeros(lanes)
        np.maximum.at(lane_given, lane[member], given[member])
        outside = np.maximum(given, lane_given[lane])
    return replace(
        inputs,
        entries_per_year=entries,
        entry_value_others=np.maximum(others, 0.0) / entries + outside,
        mpf_value_others=np.maximum(mpf_others, 0.0) / entries + outside,
    )


def lane_partners(lane: IntArray, member: BoolArray) -> IntArray:
    """Active options on each option's lane other than itself."""
    count = np.bincount(lane[member], minlength=int(lane.max(initial=-1)) + 1)
    partners: IntArray = (count[lane] - member.astype(np.int64)).astype(np.int64)
    return partners


def lane_partner_options(flow_options: pl.DataFrame, item: str, to_site: str, sources: list[str]) -> pl.DataFrame:
    """Active flows of items other than ``item`` from ``sources`` into ``to_site``: the goods that share
    the customs entries of ``item``'s options into ``to_site`` (``flow_options``: one row per flow row)."""
    return flow_options.filter(
        (pl.col("status") != "candidate")
        & (pl.col("item_id") != item)
        & (pl.col("to_site") == to_site)
        & pl.col("source_site").is_in(sources)
    )


def entry_assumptions(detail: Mapping[str, Any], inputs: CostInputs, i: int) -> list[Assumption]:
    """How option ``i`` shares its customs entries (listed with the option's assumptions)."""
    fees = float(inputs.broker_per_entry[i] + inputs.crossing_per_shipment[i])
    if fees <= 0 and not bool(inputs.mpf_applies[i]):
        return []
    d_year = max(float(inputs.annual_units[i]), 1e-12)
    entries = float(inputs.entries_per_year[i]) or d_year / max(float(inputs.shipment_units[i]), 1e-12)
    lane = f"{detail.get('source_site')} -> {detail.get('to_site')} by {detail.get('mode_used') or 'the inferred mode'}"
    others = float(inputs.entry_value_others[i])
    if others <= 0:
        return [
            Assumption(
                "customs_entries",
                "ships alone",
                f"each of the {entries:,.0f} customs entries a year on {lane} carries this item only, so the broker "
                "fee per entry, the crossing fee and the MPF minimum fall on it alone; give the goods that travel "
                "with it as active flows on the same lane, or flows.other_goods_value_per_shipment",
                origin="network",
            )
        ]
    own = float(customs_value_of(inputs.take(np.asarray([i])))[0]) * d_year / entries
    value = {
        "entries_per_year": round(entries, 2),
        "value_per_entry_usd": round(own + others, 2),
        "share_of_entry_value": round(own / (own + others), 6) if own + others > 0 else 0.0,
        "partner_flows": int(detail.get("lane_partners") or 0),
    }
    return [
        Assumption(
            "customs_entries",
            value,
            f"one customs entry per shipment on {lane}, shared with the other goods on it by value: the broker and "
            "crossing fees and the MPF (ad valorem, minimum and maximum per entry, 19 CFR 24.23(b)(1)) "
            "are allocated by the share of the entry's value (allyshore.cost.entries)",
            origin="network",
        )
    ]
