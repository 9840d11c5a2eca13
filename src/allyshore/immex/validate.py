"""Checks of a typed ledger across rows and tables: keys unique, references resolved, one of product or material
per exit, BOM versions that do not overlap and do not loop, rectifications that form chains."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from allyshore.errors import Problem

if TYPE_CHECKING:
    from allyshore.immex.ledger import Ledger


def _located(ledger: Ledger, table: str, mask: pl.Series, column: str, message: str, hint: str) -> list[Problem]:
    if not mask.any():
        return []
    frame = ledger.tables[table]
    out = []
    for index in mask.fill_null(False).arg_true().to_list():
        row = frame.row(index, named=True)
        out.append(
            Problem(
                table,
                message.format(**row),
                row=ledger.row_of(table, index),
                column=column,
                source=ledger.source_of(table),
                hint=hint,
            )
        )
    return out


def _unique(ledger: Ledger, table: str, keys: list[str], what: str) -> list[Problem]:
    frame = ledger.tables[table]
    if not frame.height:
        return []
    dup = (
        frame.select(pl.struct(keys).is_duplicated()).to_series()
        & frame.select(pl.struct(keys).is_first_distinct().not_()).to_series()
    )
    shown = " ".join("{" + k + "}" for k in keys)
    return _located(ledger, table, dup, keys[-1], f"{what} {shown} is given twice", f"give each {what} one row")


def _refers(ledger: Ledger, table: str, column: str, target: pl.Series, what: str) -> list[Problem]:
    values = ledger.tables[table].get_column(column)
    missing = values.is_not_null() & ~values.is_in(target.implode())
    return _located(
        ledger,
        table,
        missing,
        column,
        f"{column} '{{{column}}}' is not in the {what}",
        f"add it to the {what}, or correct the identifier",
    )


def check_ledger(ledger: Ledger) -> list[Problem]:
    """Every cross-row and cross-table problem of a ledger whose cells are typed."""
    problems: list[Problem] = []
    materials = ledger.materials.get_column("material_id")
    products = ledger.products.get_column("product_id")
    pedimentos = ledger.pedimentos.get_column("pedimento")
    problems += _unique(ledger, "materials", ["material_id"], "material")
    problems += _unique(ledger, "products", ["product_id"], "product")
    problems += _unique(ledger, "pedimentos", ["pedimento"], "pedimento")
    problems += _unique(ledger, "pedimento_lines", ["pedimento", "sequence"], "pedimento line")
    problems += _unique(ledger, "exits", ["exit_id"], "exit")
    both = ledger.products.get_column("product_id").is_in(materials.implode())
    problems += _located(
        ledger,
        "products",
        both,
        "product_id",
        "'{product_id}' is both a product and a material",
        "use distinct identifiers for products and materials",
    )
    problems += _refers(ledger, "bom", "product_id", products, "products")
    problems += _refers(ledger, "bom", "material_id", pl.concat([materials, products]), "materials or products")
    problems += _refers(ledger, "pedimento_lines", "pedimento", pedimentos, "pedimentos")
    problems += _refers(ledger, "pedimento_lines", "material_id", materials, "materials")
    problems += _refers(ledger, "exits", "product_id", products, "products")
    problems += _refers(ledger, "exits", "material_id", materials, "materials")
    problems += _refers(ledger, "exits", "pedimento", pedimentos, "pedimentos")
    problems += _refers(ledger, "pedimentos", "rectifies", pedimentos, "pedimentos")
    exits = ledger.exits
    one = exits.get_column("product_id").is_null() == exits.get_column("material_id").is_null()
    problems += _located(
        ledger,
        "exits",
        one,
        "product_id",
        "exit '{exit_id}' must name exactly one of product_id and material_id",
        "fill product_id for a product that left, material_id for a material that left in the same state",
    )
    bom = ledger.bom
    backwards = bom.get_column("effective_from") > bom.get_column("effective_to")
    problems += _located(
        ledger,
        "bom",
        backwards,
        "effective_to",
        "effective_to {effective_to} is before effective_from {effective_from}",
        "swap the dates",
    )
    problems += _overlaps(ledger)
    problems += _cycles(ledger)
    self_rect = ledger.pedimentos.get_column("rectifies") == ledger.pedimentos.get_column("pedimento")
    problems += _located(
        ledger, "pedimentos", self_rect, "rectifies", "pedimento {pedimento} rectifies itself", "clear rectifies"
    )
    return problems


def _overlaps(ledger: Ledger) -> list[Problem]:
    """Two lines of one (product, material) in force on one day would count the material twice."""
    bom = ledger.bom.with_row_index("_i")
    if bom.height < 2:
        return []
    low = pl.col("effective_from").fill_null(pl.date(1, 1, 1))
    high = pl.col("effective_to").fill_null(pl.date(9999, 12, 31))
    spans = bom.select("_i", "product_id", "material_id", low.alias("lo"), high.alias("hi"))
    pairs = spans.join(spans, on=["product_id", "material_id"], suffix="_b").filter(
        (pl.col("_i") > pl.col("_i_b")) & (pl.col("lo") <= pl.col("hi_b")) & (pl.col("lo_b") <= pl.col("hi"))
    )
    mask = bom.get_column("_i").is_in(pairs.get_column("_i").implode())
    return _located(
        ledger,
        "bom",
        mask,
        "effective_from",
        "product {product_id} holds {material_id} in two lines in force on the same day",
        "end the earlier version (effective_to) the day before the next one starts",
    )


def _cycles(ledger: Ledger) -> list[Problem]:
    """A product that contains itself, directly or through other products."""
    edges: dict[str, set[str]] = {}
    products = set(ledger.products.get_column("product_id").to_list())
    for parent, child in ledger.bom.select("product_id", "material_id").iter_rows():
        if child in products:
            edges.setdefault(parent, set()).add(child)
    state: dict[str, int] = {}
    bad: set[str] = set()

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in edges.get(node, ()):
            if state.get(nxt) == 1:
                bad.update(path[path.index(nxt) :] if nxt in path else [nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    mask = ledger.bom.get_column("product_id").is_in(sorted(bad)) & ledger.bom.get_column("material_id").is_in(
        sorted(bad)
    )
    return _located(
        ledger,
        "bom",
        mask,
        "material_id",
        "product {product_id} contains {material_id}, which contains it back: the BOM loops",
        "a product cannot be made of itself; remove the line that closes the loop",
    )
