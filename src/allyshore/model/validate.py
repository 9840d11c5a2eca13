"""Semantic checks of a typed network: ids, references, BOM cycles, shares, HS codes, reachability.

:func:`check_network` returns every problem found (errors and warnings), each
located by table, row (as the user sees it) and column, with a hint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

import numpy as np
import polars as pl

from allyshore.errors import Problem
from allyshore.model.graph import longest_path_of_edges
from allyshore.model.network import Network
from allyshore.model.parse import shown
from allyshore.results import Result

HS_PATTERN = re.compile(r"^\d{6,10}$")
_SHARE_TOLERANCE = 1e-6

KEYS: dict[str, tuple[str, ...]] = {
    "sites": ("site_id",),
    "items": ("item_id",),
    "bom": ("parent_id", "child_id"),
    "supply": ("site_id", "item_id"),
    "flows": ("from_site", "to_site", "item_id"),
    "demand": ("site_id", "item_id"),
}

REFERENCES: tuple[tuple[str, str, str], ...] = (
    ("bom", "parent_id", "items"),
    ("bom", "child_id", "items"),
    ("supply", "site_id", "sites"),
    ("supply", "item_id", "items"),
    ("flows", "from_site", "sites"),
    ("flows", "to_site", "sites"),
    ("flows", "item_id", "items"),
    ("demand", "site_id", "sites"),
    ("demand", "item_id", "items"),
)


#: The columns of a table of problems (:meth:`Validation.frames`).
PROBLEM_SCHEMA: dict[str, type[pl.DataType]] = {
    "severity": pl.String,
    "table": pl.String,
    "source": pl.String,
    "row": pl.Int64,
    "column": pl.String,
    "message": pl.String,
    "hint": pl.String,
}


@dataclass(frozen=True)
class Validation(Result):
    """Every problem found in a network (errors and warnings); it is valid when none is an error."""

    problems: tuple[Problem, ...]

    json_keys = ("valid", "problems")

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def valid(self) -> bool:
        return not self.errors

    def frames(self) -> dict[str, pl.DataFrame]:
        """problems: one row per problem, with its file, row, column and hint."""
        return {"problems": pl.DataFrame([p.to_dict() for p in self.problems], schema=PROBLEM_SCHEMA)}


def _problem(
    network: Network, table: str, index: int, column: str | None, message: str, hint: str, severity: str = "error"
) -> Problem:
    return Problem(
        table,
        message,
        row=network.row_of(table, index),
        column=column,
        hint=hint,
        source=network.source_of(table),
        severity=severity,
    )


def _duplicates(network: Network) -> list[Problem]:
    """Rows whose key repeats an earlier row's; a row with a blank key part is not compared (the blank is
    reported as a missing required value)."""
    out: list[Problem] = []
    for table, key in KEYS.items():
        frame = network.tables[table].select(key).with_row_index("i").drop_nulls(key)
        dup = (
            frame.with_columns(pl.col("i").min().over(key).alias("first"))
            .filter(pl.col("i") != pl.col("first"))
            .sort("i")
        )
        for row in dup.iter_rows(named=True):
            value = "/".join(str(row[k]) for k in key)
            out.append(
                _problem(
                    network,
                    table,
                    row["i"],
                    key[-1],
                    f"duplicate {'+'.join(key)} '{shown(value)}'",
                    f"already given on row {network.row_of(table, row['first'])}; merge the two rows",
                )
            )
    return out


def _references(network: Network, unread: frozenset[str] = frozenset()) -> list[Problem]:
    out: list[Problem] = []
    for table, column, target in REFERENCES:
        if target in unread:
            continue
        known = network.tables[target].get_column(KEYS[target][0]).drop_nulls()
        frame = network.tables[table].select(column).with_row_index("i")
        bad = frame.filter(pl.col(column).is_not_null() & ~pl.col(column).is_in(known.implode()))
        for i, value in bad.iter_rows():
            out.append(
                _problem(
                    network,
                    table,
                    i,
                    column,
                    f"unknown {target[:-1]} '{value}'",
                    f"add '{value}' to {target} or correct the id",
                )
            )
    return out


def _bom_cycles(network: Network) -> list[Problem]:
    bom = network.bom.drop_nulls(["parent_id", "child_id"])
    if bom.height == 0:
        return []
    # Strongly connected components on integer ids (scipy), then networkx only on cyclic ones.
    names = pl.concat([bom.get_column("parent_id"), bom.get_column("child_id")]).unique(maintain_order=True)
    ids = {name: i for i, name in enumerate(names.to_list())}
    parent = bom.get_column("parent_id").replace_strict(ids, return_dtype=pl.Int64).to_numpy()
    child = bom.get_column("child_id").replace_strict(ids, return_dtype=pl.Int64).to_numpy()
    n = len(ids)
    try:  # numpy only: most BOMs have no cycle, and then scipy and networkx are not needed
        longest_path_of_edges(parent.astype(np.int64), child.astype(np.int64), n)
        return []
    except ValueError:
        pass
    import networkx as nx
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    matrix = sp.csr_matrix((np.ones(parent.size), (parent, child)), shape=(n, n))
    _, labels = connected_components(matrix, directed=True, connection="strong")
    sizes = np.bincount(labels)
    cyclic = (sizes[labels[parent]] > 1) | (parent == child)
    graph = nx.DiGraph()
    graph.add_edges_from(bom.filter(pl.Series(cyclic)).select("parent_id", "child_id").iter_rows())
    out: list[Problem] = []
    for component in nx.strongly_connected_components(graph):
        if len(component) == 1:
            node = next(iter(component))
            if not graph.has_edge(node, node):
                continue
            cycle = [node, node]
        else:
            sub = graph.subgraph(component)
            edges = nx.find_cycle(sub)
            cycle = [u for u, _ in edges] + [edges[0][0]]
        first = (
            bom.with_row_index("i")
            .filter((pl.col("parent_id") == cycle[0]) & (pl.col("child_id") == cycle[1]))
            .get_column("i")
        )
        index = int(first[0]) if first.len() else 0
        out.append(
            _problem(
                network,
                "bom",
                index,
                "child_id",
                "BOM cycle: " + " -> ".join(cycle),
                "an item cannot contain itself; remove one BOM row of the cycle",
            )
        )
    return out


def _hs_codes(network: Network) -> list[Problem]:
    frame = network.items.select("hs_code").with_row_index("i").drop_nulls("hs_code")
    digits = pl.col("hs_code").str.replace_all(r"[.\s]", "")
    bad = frame.filter(~digits.str.contains(HS_PATTERN.pattern))
    out: list[Problem] = []
    for i, code in bad.iter_rows():
        out.append(
            _problem(
                network,
                "items",
                i,
                "hs_code",
                f"malformed HS code '{code}'",
                "write 6 to 10 digits, dots allowed, e.g. 9018.90 or 8708.99.81",
            )
        )
    known = _hs_subheadings()
    six = frame.filter(digits.str.contains(HS_PATTERN.pattern)).with_columns(digits.str.slice(0, 6).alias("hs6"))
    for i, code, _ in six.filter(~pl.col("hs6").is_in(list(known))).iter_rows():
        out.append(
            _problem(
                network,
                "items",
                i,
                "hs_code",
                f"HS code '{code}' is not a subheading of the Harmonized System (HTSUS 2025/2026 editions)",
                "check the code: its first 6 digits must name an HS subheading, e.g. 9018.90",
                severity="warning",
            )
        )
    return out


@cache
def _hs_subheadings() -> frozenset[str]:
    """The 6-digit HS subheadings, read off the shipped US schedule (data/tariffs/us_mfn.csv)."""
    text = (files("allyshore") / "data" / "tariffs" / "us_mfn.csv").read_bytes()
    column = pl.read_csv(text, columns=["hts_prefix"], schema_overrides={"hts_prefix": pl.String})
    return frozenset(column.get_column("hts_prefix").str.slice(0, 6).unique().to_list())


def _shares(network: Network) -> list[Problem]:
    flows = network.flows.with_row_index("i").filter(pl.col("status") != "candidate")
    sums = (
        flows.group_by("to_site", "item_id")
        .agg(pl.col("share").sum().alias("total"), pl.col("i").min().alias("first"))
        .filter(pl.col("total") > 1 + _SHARE_TOLERANCE)
    )
    out: list[Problem] = []
    for row in sums.sort("first").iter_rows(named=True):
        out.append(
            _problem(
                network,
                "flows",
                row["first"],
                "share",
                f"shares of active flows of '{row['item_id']}' into '{row['to_site']}' sum to {row['total']:.4g} (> 1)",
                "shares are fractions of the receiving site's need; make them sum to 1",
            )
        )
    return out


def _flow_sources(network: Network) -> list[Problem]:
    """A flow must leave a node: the shipping site makes or stocks the item."""
    nodes = network.supply.select(pl.col("site_id").alias("from_site"), "item_id")
    frame = network.flows.with_row_index("i").drop_nulls(["from_site", "item_id"])
    missing = frame.join(nodes, on=["from_site", "item_id"], how="anti").sort("i")
    known_sites = set(network.sites.get_column("site_id").to_list())
    known_items = set(network.items.get_column("item_id").to_list())
    out: list[Problem] = []
    for row in missing.iter_rows(named=True):
        if row["from_site"] not in known_sites or row["item_id"] not in known_items:
            continue  # already reported as an unknown id
        out.append(
            _problem(
                network,
                "flows",
                row["i"],
                "from_site",
                f"site '{row['from_site']}' ships '{row['item_id']}' but has no supply row for it",
                f"add a supply row (site_id={row['from_site']}, item_id={row['item_id']})",
            )
        )
    return out


def _demand_places(network: Network) -> list[Problem]:
    """Demand sits on a node that sells the item, or on a customer site receiving it."""
    demand = network.demand.with_row_index("i").drop_nulls(["site_id", "item_id"])
    nodes = network.supply.select("site_id", "item_id")
    inbound = network.flows.select(pl.col("to_site").alias("site_id"), "item_id").unique()
    orphan = demand.join(nodes, on=["site_id", "item_id"], how="anti").join(
        inbound, on=["site_id", "item_id"], how="anti"
    )
    known_sites = set(network.sites.get_column("site_id").to_list())
    out: list[Problem] = []
    for row in orphan.sort("i").iter_rows(named=True):
        if row["site_id"] not in known_sites:
            continue
        out.append(
            _problem(
                network,
                "demand",
                row["i"],
                "item_id",
                f"'{row['item_id']}' is demanded at '{row['site_id']}', which neither makes nor receives it",
                "add a supply row for it at that site or a flow of it into that site",
            )
        )
    return out


def _graph_checks(network: Network) -> list[Problem]:
    """Flow cycles and demand that no source can reach, on the compiled node graph."""
    from allyshore.model.graph import KIND_CODES, compile_network

    graph = compile_network(network)
    out: list[Problem] = []
    if graph.n_nodes == 0:
        return out
    try:  # numpy only (graph.depth would load scipy)
        live = graph.edge_active & (graph.edge_qty * graph.edge_share != 0.0)
        longest_path_of_edges(graph.edge_consumer[live], graph.edge_supplier[live], graph.n_nodes)
    except ValueError:
        import networkx as nx

        digraph = nx.DiGraph()
        mask = graph.edge_active
        digraph.add_edges_from(zip(graph.edge_consumer[mask].tolist(), graph.edge_supplier[mask].tolist(), strict=True))
        cycle = nx.find_cycle(digraph)
        labels = [graph.node_label(u) for u, _ in cycle] + [graph.node_label(cycle[0][0])]
        return [
            Problem(
                "flows",
                "flow cycle: " + " <- ".join(labels),
                source=network.source_of("flows"),
                hint="goods cannot flow in a circle; remove one of these flows or mark it candidate",
            )
        ]
    # Requirements: each BOM child of an active make node; the item itself for pass-through and sink nodes.
    nodes = np.arange(graph.n_nodes, dtype=np.int64)
    node_frame = pl.DataFrame(
        {
            "node": nodes,
            "site_id": np.asarray(graph.site_ids, dtype=object)[graph.node_site],
            "item_id": np.asarray(graph.item_ids, dtype=object)[graph.node_item],
            "kind": graph.node_kind,
            "active": graph.node_active,
        },
        schema={"node": pl.Int64, "site_id": pl.String, "item_id": pl.String, "kind": pl.Int64, "active": pl.Boolean},
    ).filter(pl.col("active"))
    make, passing = KIND_CODES.index("make"), (KIND_CODES.index("pass"), KIND_CODES.index("sink"))
    needs = (
        node_frame.filter(pl.col("kind") == make)
        .join(network.bom, left_on="item_id", right_on="parent_id")
        .select("node", "site_id", "item_id", pl.col("child_id").alias("child"))
    )
    requirements = pl.concat(
        [
            needs,
            node_frame.filter(pl.col("kind").is_in(passing)).select(
                "node", "site_id", "item_id", pl.col("item_id").alias("child")
            ),
        ],
        how="vertical",
    ).with_row_index("req")
    active = graph.edge_active
    edges = pl.DataFrame(
        {
            "node": graph.edge_consumer[active],
            "child": np.asarray(graph.item_ids, dtype=object)[graph.edge_item[active]],
            "supplier": graph.edge_supplier[active],
        },
        schema={"node": pl.Int64, "child": pl.String, "supplier": pl.Int64},
    ).join(requirements.select("req", "node", "child"), on=["node", "child"], how="inner")
    unfed = needs.join(edges.select("node", "child").unique(), on=["node", "child"], how="anti")
    # A node is supplied when every requirement has at least one supplied active source
    # (raw sources are supplied); iterate to the fixpoint, at most the depth of the graph.
    req_node = requirements.get_column("node").to_numpy()
    n_req = requirements.height
    edge_req = edges.get_column("req").to_numpy().astype(np.int64)
    edge_supplier = edges.get_column("supplier").to_numpy()
    needed = np.bincount(req_node, minlength=graph.n_nodes)
    supplied = needed == 0
    for _ in range(graph.n_nodes + 1):
        req_ok = np.bincount(edge_req, weights=supplied[edge_supplier], minlength=n_req) > 0
        now = np.bincount(req_node, weights=req_ok, minlength=graph.n_nodes) >= needed
        if np.array_equal(now, supplied):
            break
        supplied = now
    for i, node in enumerate(graph.demand_node.tolist()):
        if node < 0 or supplied[node]:
            continue
        site, item = graph.site_ids[graph.node_site[node]], graph.item_ids[graph.node_item[node]]
        gaps = unfed.filter(pl.col("node") == node)
        detail = (
            f"; no active source of {', '.join(gaps.get_column('child').to_list())} at {site}" if gaps.height else ""
        )
        out.append(
            _problem(
                network,
                "demand",
                i,
                "item_id",
                f"'{item}' demanded at '{site}' cannot be reached from any source{detail}",
                "add an active flow (or a supply row at the site) for every BOM child down to a raw source",
            )
        )
    for row in unfed.sort("node").iter_rows(named=True):
        out.append(
            Problem(
                "bom",
                f"no active source of '{row['child']}' for '{row['item_id']}' made at '{row['site_id']}'",
                column="child_id",
                source=network.source_of("flows"),
                severity="warning",
                hint=f"add an active flow of {row['child']} into {row['site_id']}",
            )
        )
    return out


def check_network(network: Network, deep: bool = True, unread: frozenset[str] = frozenset()) -> list[Problem]:
    """Every semantic problem of a typed network; ``deep`` adds the graph checks (cycles, reachability).

    ``unread`` names the tables the file has but that could not be read (their problems are reported): the checks
    across tables are left out then, which would report every reference to them as unknown.
    """
    problems = _duplicates(network) + _references(network, unread) + _hs_codes(network) + _shares(network)
    problems += _bom_cycles(network)
    if not unread and not any(p.severity == "error" for p in problems):
        problems += _flow_sources(network) + _demand_places(network)
    if deep and not unread and not any(p.severity == "error" for p in problems):
        problems += _graph_checks(network)
    return problems
