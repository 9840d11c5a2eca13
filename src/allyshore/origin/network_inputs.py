"""Reading a network for origin: its optional origin columns, the rules given with it, and the per-node inputs of
the analysis (:class:`~allyshore.origin.bom.NetworkInputs`).

The optional columns are declared in :mod:`allyshore.model.schema` with ``used_by``
:data:`~allyshore.model.schema.USMCA_ORIGIN`; :func:`allyshore.origin.from_network.determine_network` lists them.
A loaded network has them typed and checked already; a network built by hand may carry them as text, read here
the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from allyshore.errors import Problem, ValidationError
from allyshore.model.graph import compile_network
from allyshore.model.network import Network
from allyshore.model.schema import FALSE_WORDS, TRUE_WORDS, USMCA_ORIGIN, analysis_columns
from allyshore.origin.bom import NetworkInputs
from allyshore.origin.case import Rule, RuleIn, _hs, rule_from_model

#: Optional supply columns (name -> type) read by the origin analysis, as the schema declares them.
ORIGIN_COLUMNS: dict[str, str] = {c.name: c.type for c in analysis_columns(USMCA_ORIGIN, "supply")}
_TRUE = set(TRUE_WORDS)
_FALSE = {*FALSE_WORDS, ""}


# --------------------------------------------------------------------------- reading the optional columns


def origin_columns(network: Network) -> dict[str, NDArray[Any]]:
    """The optional origin columns of ``supply`` as arrays (nan / False when blank or absent), validated.

    A loaded network has them typed and checked already (:mod:`allyshore.io.readers`);
    a network built by hand may carry them as text, read here the same way.

    Raises
    ------
    ValidationError
        A value cannot be read as a number (or a yes/no); every bad cell is reported.
    """
    supply = network.supply
    problems: list[Problem] = []
    out: dict[str, NDArray[Any]] = {}
    for name, kind in ORIGIN_COLUMNS.items():
        if name not in supply.columns:
            out[name] = np.zeros(supply.height, dtype=bool) if kind == "bool" else np.full(supply.height, np.nan)
            continue
        column = supply.get_column(name)
        if kind == "bool" and column.dtype == pl.Boolean:  # typed on reading
            out[name] = column.fill_null(False).to_numpy().astype(bool)
            continue
        texts = column.cast(pl.String).str.strip_chars().str.to_lowercase().fill_null("")
        if kind == "bool":
            values = texts.to_list()
            out[name] = np.array([v in _TRUE for v in values], dtype=bool)
            bad = [i for i, v in enumerate(values) if v not in _TRUE and v not in _FALSE]
            hint = "use true or false (yes/no, 1/0)"
        else:
            typed = column.dtype.is_numeric()  # typed on reading: no text to parse
            numbers = column.cast(pl.Float64) if typed else texts.replace("", None).cast(pl.Float64, strict=False)
            bad = [] if typed else (numbers.is_null() & (texts != "")).arg_true().to_list()
            bad += (numbers < 0).fill_null(False).arg_true().to_list()
            out[name] = numbers.fill_null(np.nan).to_numpy().astype(np.float64)
            hint = "a non-negative amount in USD per unit"
        problems += [
            Problem(
                "supply",
                f"cannot read {supply.get_column(name)[i]!r} as {'a yes/no' if kind == 'bool' else 'an amount'}",
                row=network.row_of("supply", i),
                column=name,
                hint=hint,
                source=network.source_of("supply"),
            )
            for i in sorted(set(bad))
        ]
    if problems:
        raise ValidationError(problems, what="network's origin columns")
    return out


def item_rules(network: Network, rules: Mapping[str, Any] | None = None) -> dict[str, Rule]:
    """Rules given with the network: the ``origin_rule`` column of ``items`` (JSON), then ``rules`` by item id.

    Raises
    ------
    ValidationError
        A rule is not valid JSON or not a rule of the origin case format.
    """
    import json

    import pydantic

    items = network.items
    given: list[tuple[str, Any, int | None]] = []
    if "origin_rule" in items.columns:
        for i, (item, text) in enumerate(
            zip(items.get_column("item_id").to_list(), items.get_column("origin_rule").to_list(), strict=True)
        ):
            if text is not None and str(text).strip():
                given.append((item, text, i))
    given += [(item, rule, None) for item, rule in (rules or {}).items()]
    out: dict[str, Rule] = {}
    problems: list[Problem] = []
    hs_of = dict(zip(items.get_column("item_id").to_list(), items.get_column("hs_code").to_list(), strict=True))
    parsed: dict[str, Rule] = {}  # one parse per distinct rule text
    for item, value, index in given:
        where = (
            {"row": network.row_of("items", index), "source": network.source_of("items")} if index is not None else {}
        )
        try:
            key = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
            if key not in parsed:
                data = json.loads(value) if isinstance(value, str) else value
                parsed[key] = rule_from_model(RuleIn.model_validate(data), "", "case")
            out[item] = replace(parsed[key], hs=_hs(hs_of.get(item) or ""))
        except (json.JSONDecodeError, pydantic.ValidationError, TypeError) as exc:
            detail = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc).splitlines()[-1].strip()
            problems.append(
                Problem(
                    "items",
                    f"origin_rule of {item!r} is not a rule of the origin case format: {detail}",
                    column="origin_rule",
                    hint='e.g. {"alternatives": [{"tariff_shift": {"level": "heading"}, "rvc": null}]}',
                    **where,  # type: ignore[arg-type]
                )
            )
    if problems:
        raise ValidationError(problems, what="network's origin rules")
    return out


def designated_items_column(network: Network) -> frozenset[str]:
    """Items whose ``designated_intermediate`` cell says yes (typed on reading; text read the same way here).

    Raises
    ------
    ValidationError
        A cell is neither yes nor no.
    """
    items = network.items
    if "designated_intermediate" not in items.columns:
        return frozenset()
    column = items.get_column("designated_intermediate")
    ids = items.get_column("item_id").to_list()
    if column.dtype == pl.Boolean:
        return frozenset(i for i, v in zip(ids, column.to_list(), strict=True) if v)
    texts = column.cast(pl.String).str.strip_chars().str.to_lowercase().fill_null("").to_list()
    bad = [i for i, v in enumerate(texts) if v not in _TRUE and v not in _FALSE]
    if bad:
        raise ValidationError(
            [
                Problem(
                    "items",
                    f"cannot read {column[i]!r} as a yes/no",
                    row=network.row_of("items", i),
                    column="designated_intermediate",
                    hint="use true or false (yes/no, 1/0)",
                    source=network.source_of("items"),
                )
                for i in bad
            ],
            what="network's origin columns",
        )
    return frozenset(i for i, v in zip(ids, texts, strict=True) if v in _TRUE)


# --------------------------------------------------------------------------- the inputs of the analysis


def network_inputs(network: Network, rules: Mapping[str, Any] | None = None) -> NetworkInputs:
    """Everything the origin analysis reads from the network, per node and per edge of its compiled graph."""
    graph = compile_network(network)
    columns = origin_columns(network)
    n = graph.n_nodes

    def per_node(values: NDArray[Any], fill: Any) -> NDArray[Any]:
        out = np.full(n, fill, dtype=values.dtype)
        has_row = graph.node_supply_row >= 0
        out[has_row] = values[graph.node_supply_row[has_row]]
        return out

    freight = network.flows.get_column("freight_per_unit").fill_null(0.0).to_numpy().astype(np.float64)
    edge_freight = np.where(graph.edge_flow >= 0, freight[np.maximum(graph.edge_flow, 0)] if freight.size else 0.0, 0.0)
    price = graph.node_price[graph.edge_supplier]
    edge_value = graph.edge_qty * graph.edge_share * (price + edge_freight)
    items = network.items
    maker = graph.node_country.astype(object)
    if "origin_country" in network.supply.columns:
        given = per_node(network.supply.get_column("origin_country").fill_null("").to_numpy().astype(object), "")
        maker = np.where(given != "", given, maker)
    return NetworkInputs(
        graph=graph,
        maker_country=maker.astype(str),
        hs=items.get_column("hs_code").fill_null("").str.replace_all(r"[^0-9A-Za-z]", "").str.to_lowercase().to_list(),
        names=items.select(pl.coalesce("name", "item_id")).to_series().to_list(),
        edge_value=edge_value,
        edge_freight=np.asarray(edge_freight, dtype=np.float64),
        certifies=per_node(columns["supplier_certifies_origin"], False),
        other=per_node(columns["other_costs_per_unit"], np.nan),
        excluded=per_node(columns["excluded_costs_per_unit"], np.nan),
        total=per_node(columns["total_cost_per_unit"], np.nan),
        shipping=per_node(columns["international_shipping_per_unit"], np.nan),
        selling_price=per_node(
            network.supply.get_column("unit_price").fill_null(np.nan).to_numpy().astype(np.float64), np.nan
        ),
        rules=item_rules(network, rules),
        designated=designated_items_column(network),
    )
