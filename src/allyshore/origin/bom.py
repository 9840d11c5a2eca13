"""In-house sub-assemblies across every BOM level: look-through by default, designation by choice.

A good's origin case is built from the whole bill of materials below it, as far down as the
producer makes things itself. What counts as *the producer's own production* here:

* **In-house sub-assembly**: an input made at a site of kind ``plant`` of the network, in the
  territory of a USMCA party, from a BOM consumed there. The Regulations tie self-production to
  the *producer of the good* (SOR/2020-155 s.1 "self-produced material": "produced by the producer
  of a good"), a person, not a site; a network describes one company, whose plants are the sites of
  kind ``plant`` (a sub-contractor or a supplier with its own BOM is a ``supplier`` site). So every
  plant of the network counts, not only the good's own site. Where two plants belong to different
  legal persons in different parties, the same treatment follows from accumulation (s.9(1)-(2):
  the supplier's non-originating materials count as the good's VNM, s.9(2)(a)), and s.9(6) makes
  accumulated production the producer's own for the designation proviso. A plant that must not be
  treated so is entered as a ``supplier`` site. Plants outside the region make non-originating
  materials like any foreign source (s.3).
* **Look-through (default)**: an in-house sub-assembly that is not designated is not one material
  with one origin: its own materials are counted instead, down the BOM, quantities multiplied through
  the levels. For the RVC only its non-originating materials enter the good's VNM (s.7(5)(a)), and its
  costs enter the good's total and net cost. For the tariff shift every non-originating material
  inside it must undergo the change required by the *good's* rule (s.3(2); Schedule 1 General
  Interpretative Note (d)) -- unless the producer takes the option of s.3(8) and tests the
  sub-assembly itself: it then passes when it qualifies as originating on its own, or when its own
  classification undergoes the good's change (s.3(8) and its Example 6 in s.3(9)). The engine takes
  that option material by material whenever it helps (:func:`allyshore.origin.determine_origin`).
* **Designation** (``designated_intermediate`` on ``items``, or a designation mode): the
  sub-assembly is an intermediate material (s.8(6)), valued at its total cost without profit
  (s.8(8)-(9)); if it qualifies as originating on its own (s.8(7)(a)) its whole value is originating
  and its non-originating inputs leave VNM (s.7(4)(b)); if not, its whole value is non-originating.
  Within one good, a designated sub-assembly subject to an RVC requirement cannot contain another
  designated one also subject to RVC (s.8(6) proviso, Example 5 of s.8(28)): the outer one then counts
  as looked through (:func:`allyshore.origin.determine.designation_allowed`).

Values per unit of the good: a purchased material is ``quantity x share x (price at the source +
lane freight)`` times the units of its consumer per unit of the good (s.8(1)); an in-house
sub-assembly is valued at its total cost: its plant row's ``total_cost_per_unit`` when given, else
its materials plus ``other_costs_per_unit``, else (neither given) its ``unit_price`` taken as its
total cost; the freight of the lane that brings it to its consumer is added to its costs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray

from allyshore.model.graph import NodeGraph
from allyshore.origin.case import Case, Costs, Material, Rule
from allyshore.origin.determine import decide_self_produced, designation_allowed
from allyshore.origin.network_context import good_context
from allyshore.origin.results import OriginResult, fmt
from allyshore.results import Result

MICRO = 1_000_000

#: How in-house sub-assemblies are treated: the ``designated_intermediate`` column (``given``), none
#: (``none``: look through every one), every one (``all``), or the better of look-through and designating
#: the ones that qualify, per good (``auto``).
DESIGNATE_MODES = ("given", "none", "all", "auto")

#: The designations a good is decided under (``GoodOrigin.designation["basis"]``).
LOOK_THROUGH = "look_through"
AS_GIVEN = "as_given"
QUALIFYING = "designate_qualifying"
ALL = "designate_all"

SOR = "SOR/2020-155"


def usd_to_fraction(value: float) -> Fraction:
    """A USD amount as an exact fraction, to the micro-dollar.

    >>> usd_to_fraction(18.8)
    Fraction(94, 5)
    """
    return Fraction(round(value * MICRO), MICRO)


@dataclass(frozen=True)
class MaterialLine(Result):
    """One material of a good's case: an input item from one source, per unit of the good.

    An in-house sub-assembly (``self_produced``) carries its own ``materials`` (per unit of the
    good too) and its costs besides materials; ``value`` is then its total cost.
    """

    id: str
    item_id: str
    source_site: str
    country: str
    hs: str
    value: float
    originating: bool
    basis: str  # why it is (not) originating
    quantity: float = 1.0  # units of the item per unit of the good, through every BOM level
    self_produced: bool = False
    designated: bool = False
    materials: tuple[MaterialLine, ...] = ()
    other_costs: float = 0.0
    excluded_costs: float = 0.0
    total_cost: float | None = None  # fixed total cost (given, or the unit_price fallback); None: computed
    node: int = field(default=-1, compare=False)  # the supplying node of the graph
    consumer: int = field(default=-1, compare=False)  # the consuming node
    edge: int = field(default=-1, compare=False)

    def walk(self) -> Iterator[MaterialLine]:
        """This line, then every line inside it, depth first."""
        yield self
        for m in self.materials:
            yield from m.walk()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "item_id": self.item_id,
            "source_site": self.source_site,
            "country": self.country,
            "hs": self.hs,
            "value": self.value,
            "originating": self.originating,
            "basis": self.basis,
            "quantity": self.quantity,
            "self_produced": self.self_produced,
            "designated": self.designated,
        }
        if self.self_produced:
            out["other_costs"] = self.other_costs
            out["excluded_costs"] = self.excluded_costs
            out["materials"] = [m.to_dict() for m in self.materials]
        return out


def walk(lines: Sequence[MaterialLine]) -> Iterator[MaterialLine]:
    for line in lines:
        yield from line.walk()


def counted(lines: Sequence[MaterialLine]) -> Iterator[MaterialLine]:
    """The lines that enter the good's VNM as units: purchased materials at every looked-through level,
    and designated sub-assemblies as one unit each (their inside does not count, s.7(4)(b))."""
    for line in lines:
        if line.self_produced and not line.designated:
            yield from counted(line.materials)
        else:
            yield line


def designated_items(lines: Sequence[MaterialLine]) -> tuple[str, ...]:
    return tuple(sorted({m.item_id for m in walk(lines) if m.designated}))


def designated_ids(lines: Sequence[MaterialLine]) -> frozenset[str]:
    return frozenset(m.id for m in walk(lines) if m.designated)


@dataclass(frozen=True)
class NetworkInputs:
    """The network's columns per node and per edge, as the origin analysis reads them."""

    graph: NodeGraph
    hs: list[str]
    names: list[str]
    edge_value: NDArray[np.float64]  # USD per unit of consumer: qty x share x (price + freight)
    edge_freight: NDArray[np.float64]  # USD per unit of the item on the edge's lane (0 for internal edges)
    certifies: NDArray[np.bool_]
    other: NDArray[np.float64]
    excluded: NDArray[np.float64]
    total: NDArray[np.float64]
    shipping: NDArray[np.float64]
    selling_price: NDArray[np.float64]  # the supply row's own unit_price (nan when blank): the transaction value
    rules: dict[str, Rule]
    designated: frozenset[str] = frozenset()  # items with designated_intermediate = yes
    maker_country: NDArray[np.str_] | None = None  # per node: the supply row's origin_country, else the site's

    def country_of(self, node: int) -> str:
        """The country where the goods of ``node`` were made (a distributor's row names its maker's)."""
        countries = self.graph.node_country if self.maker_country is None else self.maker_country
        return str(countries[node])


class Bom:
    """Builds the material lines of a node across the in-house BOM levels, and designates sub-assemblies."""

    def __init__(
        self,
        data: NetworkInputs,
        edges_sorted: NDArray[np.int64],
        starts: NDArray[np.int64],
        originating: NDArray[np.bool_],
        basis: Callable[[int], str],
        in_house: NDArray[np.bool_],
        in_region: NDArray[np.bool_],
        as_of: date | None,
        moved: Mapping[tuple[int, int], int] | None = None,
    ) -> None:
        """``moved``: (consumer node, item) -> a candidate edge that replaces the consumer's sources of the item."""
        self.data, self.graph = data, data.graph
        self.moved: dict[int, dict[int, int]] = {}
        for (consumer, item), edge in (moved or {}).items():
            self.moved.setdefault(consumer, {})[item] = edge
        self.edges_sorted, self.starts = edges_sorted, starts
        self.originating, self.basis_of, self.in_house, self.in_region = originating, basis, in_house, in_region
        self.as_of = as_of
        self._alone: dict[int, OriginResult | None] = {}

    def with_moves(self, moved: Mapping[tuple[int, int], int]) -> Bom:
        """The same BOM with the sources of some (consumer node, item) replaced by one candidate edge each."""
        return Bom(
            self.data, self.edges_sorted, self.starts, self.originating, self.basis_of, self.in_house,
            self.in_region, self.as_of, moved,
        )  # fmt: skip

    # ------------------------------------------------------------------ lines

    def inputs(self, node: int) -> NDArray[np.int64]:
        return self.edges_sorted[self.starts[node] : self.starts[node + 1]]

    def lines(
        self, node: int, scale: float = 1.0, prefix: str = "", ancestors: tuple[int, ...] = (), nest: bool = True
    ) -> tuple[MaterialLine, ...]:
        """The material lines of ``node``, values per unit of the root (``scale`` units of ``node`` each).

        ``nest=False`` keeps in-house sub-assemblies as single purchased lines (for a node that is not
        itself the producer's: a supplier's product is decided on its own inputs only).
        """
        graph, data = self.graph, self.data
        edges = self.inputs(node).tolist()
        moved = self.moved.get(node)
        if moved:
            edges = [e for e in edges if int(graph.edge_item[e]) not in moved] + list(moved.values())
        out: list[MaterialLine] = []
        for e in edges:
            supplier = int(graph.edge_supplier[e])
            child = int(graph.edge_item[e])
            source = graph.site_ids[graph.node_site[supplier]]
            item_id = graph.item_ids[child]
            line_id = f"{prefix}{item_id}@{source}"
            active = bool(graph.edge_active[e])
            share = float(graph.edge_share[e]) if active else 1.0  # a candidate takes the whole need
            k = scale * float(graph.edge_qty[e]) * share
            if nest and active and self.in_house[supplier] and supplier not in ancestors and supplier != node:
                out.append(
                    self._self_produced(supplier, k, line_id, (*ancestors, node), float(data.edge_freight[e]), e)
                )
                continue
            if active:
                value = scale * float(data.edge_value[e])
                originating = bool(self.originating[supplier])
                basis = self.basis_of(supplier)
            else:  # a candidate source (qualification advisor)
                value = k * (float(graph.node_price[supplier]) + float(data.edge_freight[e]))
                originating = bool(self.in_region[supplier] and data.certifies[supplier]) or bool(
                    self.originating[supplier]
                )
                basis = "candidate source" + (", originating" if originating else "")
            out.append(
                MaterialLine(
                    line_id, item_id, source, data.country_of(supplier), data.hs[child], value, originating,
                    basis, quantity=k, node=supplier, consumer=node, edge=e,
                )
            )  # fmt: skip
        return tuple(out)

    def _self_produced(
        self, node: int, k: float, line_id: str, ancestors: tuple[int, ...], freight: float = 0.0, edge: int = -1
    ) -> MaterialLine:
        """An in-house sub-assembly: ``k`` units of ``node`` per unit of the root, brought in with ``freight``."""
        graph, data = self.graph, self.data
        inner = self.lines(node, k, line_id + "/", ancestors)
        other, excluded, total = float(data.other[node]), float(data.excluded[node]), float(data.total[node])
        price = float(graph.node_price[node])
        fixed: float | None = None
        if not np.isnan(total):
            fixed = k * (total + freight)
        elif np.isnan(other) and not np.isnan(price) and price > 0:
            fixed = k * (price + freight)  # neither costs column: its unit_price taken as its total cost
        other_costs = k * ((0.0 if np.isnan(other) else other) + freight)
        value = fixed if fixed is not None else sum(m.value for m in inner) + other_costs
        item = int(graph.node_item[node])
        return MaterialLine(
            line_id,
            graph.item_ids[item],
            graph.site_ids[graph.node_site[node]],
            str(graph.node_country[node]),
            data.hs[item],
            value,
            False,
            "",
            quantity=k,
            self_produced=True,
            materials=inner,
            other_costs=other_costs,
            excluded_costs=k * (0.0 if np.isnan(excluded) else excluded),
            total_cost=fixed,
            node=node,
            consumer=-1 if edge < 0 else int(graph.edge_consumer[edge]),
            edge=edge,
        )

    # ------------------------------------------------------------------ case materials

    def material(self, line: MaterialLine) -> Material:
        """The case-format material of a line (nested for an in-house sub-assembly)."""
        return case_material(line, self.data)

    def alone(self, node: int) -> OriginResult | None:
        """The in-house sub-assembly at ``node`` decided on its own, everything inside it looked through."""
        if node not in self._alone:
            whole = self._self_produced(node, 1.0, self.graph.node_label(node), (node,))
            self._alone[node] = decide_self_produced(self.material(whole), self.as_of)
        return self._alone[node]

    # ------------------------------------------------------------------ designation

    def designate(self, lines: Sequence[MaterialLine], which: str) -> tuple[MaterialLine, ...]:
        """``lines`` with the in-house sub-assemblies designated as ``which`` says (then the s.8(6) proviso)."""
        if which == LOOK_THROUGH:
            chosen = _mark(lines, lambda _line: False)
        elif which == ALL:
            chosen = _mark(lines, lambda _line: True)
        elif which == AS_GIVEN:
            chosen = _mark(lines, lambda line: line.item_id in self.data.designated)
        elif which == QUALIFYING:
            chosen = self._outermost_qualifying(lines)
        else:
            raise ValueError(f"unknown designation {which!r}")
        return self._proviso(chosen)

    def _outermost_qualifying(self, lines: Sequence[MaterialLine]) -> tuple[MaterialLine, ...]:
        out = []
        for line in lines:
            if not line.self_produced:
                out.append(line)
                continue
            result = self.alone(line.node)
            if result is not None and result.originating:
                out.append(replace(line, designated=True, materials=_mark(line.materials, lambda _line: False)))
            else:
                out.append(replace(line, designated=False, materials=self._outermost_qualifying(line.materials)))
        return tuple(out)

    def _proviso(self, lines: Sequence[MaterialLine]) -> tuple[MaterialLine, ...]:
        out = []
        for line in lines:
            if not line.self_produced:
                out.append(line)
                continue
            keep = line.designated and designation_allowed(self.material(line), self.as_of)
            out.append(replace(line, designated=keep, materials=self._proviso(line.materials)))
        return tuple(out)

    def finish(self, lines: Sequence[MaterialLine]) -> tuple[MaterialLine, ...]:
        """Each in-house sub-assembly's own origin and the words saying how it counts."""
        out = []
        for line in lines:
            if not line.self_produced:
                out.append(line)
                continue
            inner = self.finish(line.materials)
            if any(m.designated for m in walk(inner)):
                result = decide_self_produced(self.material(replace(line, materials=inner)), self.as_of)
            else:
                result = self.alone(line.node)
            own = result is not None and result.originating
            where = f"made in-house at {line.source_site} ({line.country})"
            if result is None:
                status = "no rule of origin is known for it"
            elif own:
                status = f"it qualifies on its own (criterion {result.criterion})"
            else:
                status = "it does not qualify on its own"
            if line.designated and own:
                basis = (
                    f"{where}, designated as an intermediate material and {status}: originating in full at its "
                    f"total cost ({SOR} s.7(4)(b), s.8(6)-(8))"
                )
            elif line.designated:
                basis = (
                    f"{where}, designated as an intermediate material but {status}: non-originating at its total "
                    f"cost ({SOR} s.8(7)(a), s.8(8))"
                )
            else:
                basis = (
                    f"{where}, not designated ({status}): its own non-originating materials count instead "
                    f"({SOR} s.7(5)(a)); for the tariff shift they meet the good's rule, or it does itself (s.3(8))"
                )
            out.append(replace(line, originating=own, basis=basis, materials=inner))
        return tuple(out)


def case_material(line: MaterialLine, data: NetworkInputs) -> Material:
    """The origin-case material of a line: purchased, or self-produced with its own materials and costs."""
    if not line.self_produced:
        return Material(
            id=line.id,
            hs=line.hs,
            value=usd_to_fraction(line.value),
            originating=line.originating,
            country=line.country,
        )
    return Material(
        id=line.id,
        hs=line.hs,
        value=usd_to_fraction(line.value),
        description=data.names[int(data.graph.node_item[line.node])] if line.node >= 0 else "",
        country=line.country,
        self_produced=True,
        designated=line.designated,
        materials=tuple(case_material(m, data) for m in line.materials),
        costs=Costs(
            other=usd_to_fraction(line.other_costs),
            excluded=usd_to_fraction(line.excluded_costs),
            total_cost=None if line.total_cost is None else usd_to_fraction(line.total_cost),
        ),
        rule=data.rules.get(line.item_id),
    )


def network_case(node: int, lines: Sequence[MaterialLine], data: NetworkInputs, as_of: date | None) -> Case:
    """The origin case of the good made at ``node``, with the given material lines (nested for in-house ones)."""
    graph = data.graph
    price = data.selling_price[node]  # not the item's standard cost: a transaction value is a price paid
    shipping = data.shipping[node]
    other, excluded, total = data.other[node], data.excluded[node], data.total[node]
    return Case(
        hs=data.hs[int(graph.node_item[node])],
        description=data.names[int(graph.node_item[node])],
        materials=tuple(case_material(m, data) for m in lines),
        rule=data.rules.get(graph.item_ids[int(graph.node_item[node])]),
        as_of=as_of,
        transaction_value=None if np.isnan(price) or price <= 0 else usd_to_fraction(price),
        international_shipping=Fraction(0) if np.isnan(shipping) else usd_to_fraction(shipping),
        costs=Costs(
            other=Fraction(0) if np.isnan(other) else usd_to_fraction(other),
            excluded=Fraction(0) if np.isnan(excluded) else usd_to_fraction(excluded),
            total_cost=None if np.isnan(total) else usd_to_fraction(total),
        ),
        **good_context(graph, node),  # importing country, exporting party, named good (origin_scope)
    )


def _material_document(m: Material) -> dict[str, Any]:
    out: dict[str, Any] = {"id": m.id, "hs": m.hs, "value": fmt(m.value, 6), "originating": m.originating}
    if m.country:
        out["country"] = m.country
    if m.self_produced:
        out["self_produced"] = True
        out["designated_intermediate"] = m.designated
        if m.description:
            out["description"] = m.description
        out["materials"] = [_material_document(s) for s in m.materials]
        out["other_costs"] = {"other": fmt(m.costs.other, 6)}
        out["excluded_costs"] = fmt(m.costs.excluded, 6)
        if m.costs.total_cost is not None:
            out["total_cost"] = fmt(m.costs.total_cost, 6)
        if m.rule is not None:
            from allyshore.origin.results import rule_to_dict

            out["rule"] = rule_to_dict(m.rule)
    return out


def case_document(case: Case) -> dict[str, Any]:
    """A :class:`Case` built from a network, in the origin case format v1 (what a saved record keeps);
    in-house sub-assemblies as self-produced materials with their own materials and costs."""
    doc: dict[str, Any] = {
        "good": {"description": case.description, "hs": case.hs},
        "materials": [_material_document(m) for m in case.materials],
        "other_costs": {"other": fmt(case.costs.other, 6)},
        "excluded_costs": fmt(case.costs.excluded, 6),
    }
    if case.transaction_value is not None:
        doc["transaction_value"] = fmt(case.transaction_value, 6)
        doc["international_shipping"] = fmt(case.international_shipping, 6)
    if case.costs.total_cost is not None:
        doc["total_cost"] = fmt(case.costs.total_cost, 6)
    if case.as_of is not None:
        doc["as_of"] = case.as_of.isoformat()
    for key in ("importing_country", "imported_from", "rule_scope"):
        if getattr(case, key):
            doc[key] = getattr(case, key)
    if case.rule is not None:
        from allyshore.origin.results import rule_to_dict

        doc["rule"] = rule_to_dict(case.rule)
    return doc


def _mark(lines: Sequence[MaterialLine], choose: Callable[[MaterialLine], bool]) -> tuple[MaterialLine, ...]:
    return tuple(
        replace(line, designated=choose(line), materials=_mark(line.materials, choose)) if line.self_produced else line
        for line in lines
    )


__all__ = [
    "ALL",
    "AS_GIVEN",
    "DESIGNATE_MODES",
    "LOOK_THROUGH",
    "QUALIFYING",
    "Bom",
    "MaterialLine",
    "NetworkInputs",
    "case_document",
    "case_material",
    "counted",
    "designated_ids",
    "designated_items",
    "network_case",
    "usd_to_fraction",
    "walk",
]
