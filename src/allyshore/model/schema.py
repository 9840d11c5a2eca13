"""The network format v1: tables, columns, types and their documentation.

This one description drives reading (CSV, XLSX, JSON), type checking, the
Excel template, the JSON Schema and the documentation, so they cannot drift.
Field names are a public contract; optional columns may be added, never renamed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ColumnType = Literal["str", "float", "int"]

SITE_KINDS = ("supplier", "plant", "warehouse", "customer")
STATUSES = ("active", "candidate")
MODES = ("ocean", "truck", "rail", "air", "parcel")


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    required: bool = False
    doc: str = ""
    choices: tuple[str, ...] = ()
    default: str | float | None = None
    positive: bool = False
    non_negative: bool = False
    maximum: float | None = None


@dataclass(frozen=True)
class Table:
    name: str
    doc: str
    columns: tuple[Column, ...]

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


SITES = Table(
    "sites",
    "Places in the network: suppliers, plants, warehouses and customers.",
    (
        Column("site_id", "str", True, "Unique id of the site."),
        Column("name", "str", doc="Display name."),
        Column("country", "str", True, "Country: ISO alpha-2, alpha-3 or English name (MX, MEX, Mexico)."),
        Column("kind", "str", True, "supplier | plant | warehouse | customer", choices=SITE_KINDS),
        Column("region", "str", doc="State or province."),
        Column("lat", "float", doc="Latitude, decimal degrees."),
        Column("lon", "float", doc="Longitude, decimal degrees."),
        Column(
            "capacity_per_week",
            "float",
            doc="Units per week shared by all items the site makes; blank = unlimited.",
            non_negative=True,
        ),
        Column("ttr_weeks", "float", doc="Time to recover, in weeks, if the site goes down.", non_negative=True),
        Column("certifications", "str", doc="';'-separated, e.g. ISO 13485;IATF 16949"),
    ),
)

ITEMS = Table(
    "items",
    "Parts, materials and finished goods.",
    (
        Column("item_id", "str", True, "Unique id of the item."),
        Column("name", "str", doc="Display name."),
        Column("hs_code", "str", doc="HS/HTS code, 6 to 10 digits, dots allowed (8708.99.81)."),
        Column("unit", "str", doc="Unit of measure (default ea).", default="ea"),
        Column("unit_cost", "float", doc="Standard cost per unit, USD.", non_negative=True),
        Column("weight_kg", "float", doc="Weight per unit, kg.", non_negative=True),
        Column("profit_per_unit", "float", doc="Profit per unit sold, USD (finished goods)."),
    ),
)

BOM = Table(
    "bom",
    "Bill of materials: units of child per unit of parent.",
    (
        Column("parent_id", "str", True, "Item made."),
        Column("child_id", "str", True, "Item consumed."),
        Column("quantity", "float", True, "Units of child per unit of parent (> 0).", positive=True),
    ),
)

SUPPLY = Table(
    "supply",
    "Nodes: a row says this site makes or stocks this item.",
    (
        Column("site_id", "str", True, "Site that makes or stocks the item."),
        Column("item_id", "str", True, "Item made or stocked."),
        Column("unit_price", "float", doc="Price per unit at this node, USD.", non_negative=True),
        Column("capacity_per_week", "float", doc="Units per week for this item; blank = unlimited.", non_negative=True),
        Column("inventory", "float", doc="Units on hand.", non_negative=True),
        Column("ttr_weeks", "float", doc="Time to recover, weeks (overrides the site's).", non_negative=True),
        Column("lead_time_days", "float", doc="Supplier lead time, days.", non_negative=True),
        Column(
            "status",
            "str",
            doc="active (default) | candidate (qualified alternative not used today)",
            choices=STATUSES,
            default="active",
        ),
    ),
)

FLOWS = Table(
    "flows",
    "Lanes: an item shipped from one site to another.",
    (
        Column("from_site", "str", True, "Shipping site."),
        Column("to_site", "str", True, "Receiving site."),
        Column("item_id", "str", True, "Item shipped."),
        Column(
            "share",
            "float",
            doc="0..1 of the receiving site's need for the item; blank = split equally among active flows.",
            non_negative=True,
            maximum=1.0,
        ),
        Column("mode", "str", doc="ocean | truck | rail | air | parcel", choices=MODES),
        Column("transit_days", "float", doc="Door-to-door transit time, days.", non_negative=True),
        Column("freight_per_unit", "float", doc="Freight per unit, USD.", non_negative=True),
        Column("crossing", "str", doc="Border crossing, e.g. Laredo."),
        Column("status", "str", doc="active (default) | candidate", choices=STATUSES, default="active"),
    ),
)

DEMAND = Table(
    "demand",
    "Demand for finished goods.",
    (
        Column("site_id", "str", True, "Selling site or customer site."),
        Column("item_id", "str", True, "Item demanded."),
        Column("units_per_week", "float", True, "Units per week.", non_negative=True),
        Column("profit_per_unit", "float", doc="Profit per unit, USD (overrides the item's)."),
    ),
)

TABLES: dict[str, Table] = {t.name: t for t in (SITES, ITEMS, BOM, SUPPLY, FLOWS, DEMAND)}
TABLE_NAMES: tuple[str, ...] = tuple(TABLES)
FORMAT_VERSION = 1


def json_schema() -> dict[str, object]:
    """The JSON Schema of a network document (one object, one list per table)."""
    type_map = {"str": "string", "float": "number", "int": "integer"}
    props: dict[str, object] = {}
    for table in TABLES.values():
        cols: dict[str, object] = {}
        for c in table.columns:
            spec: dict[str, object] = {"description": c.doc}
            base = type_map[c.type]
            if c.choices:
                spec["enum"] = [*c.choices, None]
            else:
                spec["type"] = [base, "null"]
            cols[c.name] = spec
        props[table.name] = {
            "type": "array",
            "description": table.doc,
            "items": {
                "type": "object",
                "properties": cols,
                "required": [c.name for c in table.columns if c.required],
            },
        }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "allyshore network v1",
        "type": "object",
        "properties": props,
        "required": ["sites", "items"],
    }
