"""What a network says about a good's importation and its rule: importing country, exporting party, named good.

* **importing country** (SOR/2020-155 s.3(7); 19 U.S.C. 4531): the country of the customers the plant's
  good reaches (through warehouses and distributors), when they are in one USMCA country other than the
  plant's; with customers in several countries it is left open (the engine then uses the US list of
  HTSUS General Note 11(p) and says so).
* **imported from**: the plant's country, when the good crosses a border to reach its customers.
* **rule scope**: the item's ``origin_scope`` column, naming the good when SOR s.13 gives separate rules
  for goods named inside one subheading (``McPherson struts``, ``original equipment, heavy truck; gear boxes``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from allyshore.countries import USMCA_PARTIES
from allyshore.model.graph import NodeGraph


def destination_countries(graph: NodeGraph, node: int) -> tuple[str, ...]:
    """Countries of the demand sites that ``node``'s output reaches, following active edges downstream."""
    demand = set(graph.demand_node[graph.demand_node >= 0].tolist())
    active = graph.edge_active
    seen, frontier, found = {node}, [node], set()
    while frontier:
        current = frontier.pop()
        consumers = np.unique(graph.edge_consumer[(graph.edge_supplier == current) & active]).tolist()
        if current != node and (current in demand or not consumers):
            found.add(str(graph.node_country[current]))
            continue
        for consumer in consumers:
            if consumer not in seen:
                seen.add(consumer)
                frontier.append(consumer)
    return tuple(sorted(c for c in found if c))


def good_context(graph: NodeGraph, node: int) -> dict[str, Any]:
    """``importing_country``, ``imported_from`` and ``rule_scope`` of the good made at ``node`` (for its case)."""
    plant = str(graph.node_country[node])
    abroad = sorted(c for c in destination_countries(graph, node) if c != plant)
    into = abroad[0] if len(abroad) == 1 and abroad[0] in USMCA_PARTIES else None
    items = graph.network.items
    scope = None
    if "origin_scope" in items.columns:
        item = graph.item_ids[int(graph.node_item[node])]
        values = items.filter(items.get_column("item_id") == item).get_column("origin_scope").to_list()
        scope = str(values[0]).strip() if values and values[0] is not None and str(values[0]).strip() else None
    return {
        "importing_country": into,
        "imported_from": plant if abroad and plant in USMCA_PARTIES else None,
        "rule_scope": scope,
    }
