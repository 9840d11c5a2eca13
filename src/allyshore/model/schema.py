"""The network format v1: tables, columns, types and their documentation.

This one description drives reading (CSV, XLSX, JSON), type checking, the
Excel template, the JSON Schema and the documentation, so they cannot drift.
Field names are a public contract; optional columns may be added, never renamed.

Each table lists its core columns first, then the optional columns a particular
analysis reads (``Column.used_by`` names it: :data:`USMCA_ORIGIN`,
:data:`LANDED_COST`). They are typed and checked like any other column; a
network that leaves them out simply has them blank.

>>> [c.name for c in analysis_columns(LANDED_COST) if c.type == "bool"]
['supplier_certifies_origin', 'usmca_originating']
>>> parse_bool("Yes"), parse_bool("0"), parse_bool("perhaps")
(True, False, None)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ColumnType = Literal["str", "float", "int", "bool"]

SITE_KINDS = ("supplier", "plant", "warehouse", "customer")
STATUSES = ("active", "candidate")
MODES = ("ocean", "truck", "rail", "air", "parcel")

#: Weeks in a year: the network's rates are per week (``units_per_week``), yearly figures are 52 of them.
WEEKS_PER_YEAR = 52

#: The analyses that read optional columns (values of ``Column.used_by``).
USMCA_ORIGIN = "USMCA origin"
LANDED_COST = "landed cost"
RESILIENCE = "stress test"
EXPOSURE = "exposure"
TRUST = "trust"

#: How a yes/no cell may be written (any case), in a network and in every table allyshore reads; a blank cell is
#: no value.
TRUE_WORDS = ("true", "yes", "y", "1", "1.0", "x", "on")
FALSE_WORDS = ("false", "no", "n", "0", "0.0", "off")


def parse_bool(text: str | None) -> bool | None:
    """A yes/no cell as a bool (see :data:`TRUE_WORDS`, :data:`FALSE_WORDS`); None when blank or unreadable."""
    if text is None:
        return None
    word = text.strip().lower()
    return True if word in TRUE_WORDS else False if word in FALSE_WORDS else None


#: The largest magnitude of any number of a network (a quantity, price, capacity, amount, count or share): a
#: trillion keeps every product of a roll-up far from float overflow, and is beyond any real supply chain's figures.
#: A column's own ``minimum``/``maximum`` narrows it (shares 0-1, latitudes +-90).
LARGEST_NUMBER = 1e12


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
    minimum: float | None = None
    used_by: tuple[str, ...] = ()  # the analyses that read this optional column; () for a core column
    country: bool = False  # a country, stored as its ISO alpha-2 code

    @property
    def bounds(self) -> tuple[float, float]:
        """The smallest and largest value a number of this column may take (:data:`LARGEST_NUMBER` unless
        narrower; 0 as the smallest for a non-negative or positive column, which ``positive`` further excludes)."""
        low = 0.0 if (self.non_negative or self.positive) else -LARGEST_NUMBER
        low = max(low, self.minimum) if self.minimum is not None else low
        high = min(LARGEST_NUMBER, self.maximum) if self.maximum is not None else LARGEST_NUMBER
        return low, high

    @property
    def note(self) -> str:
        """What the column is, for notes and tables: required / optional and who reads it, then the doc."""
        if self.required:
            return f"required. {self.doc}"
        if self.used_by:
            readers = ", ".join(self.used_by[:-1]) + " and " if len(self.used_by) > 1 else ""
            return f"optional, read by {readers}{self.used_by[-1]}. {self.doc}"
        return self.doc


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
        Column(
            "country", "str", True, "Country: ISO alpha-2, alpha-3 or English name (MX, MEX, Mexico).", country=True
        ),
        Column("kind", "str", True, "supplier | plant | warehouse | customer", choices=SITE_KINDS),
        Column("region", "str", doc="State or province."),
        Column("lat", "float", doc="Latitude, decimal degrees.", minimum=-90.0, maximum=90.0),
        Column("lon", "float", doc="Longitude, decimal degrees.", minimum=-180.0, maximum=180.0),
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
        Column(
            "origin_rule",
            "str",
            doc='Rule of origin as JSON in the origin case format, e.g. {"alternatives": [{"tariff_shift": '
            '{"level": "heading"}, "rvc": {"transaction_value": 60}}]}; blank = the rule of the hs_code.',
            used_by=(USMCA_ORIGIN,),
        ),
        Column(
            "metal_content_share",
            "float",
            doc="Share (0-1) of the customs value that is steel, aluminium or copper; a duty on the metal content "
            "(Section 232 derivatives) needs it, else that duty is reported unknown.",
            non_negative=True,
            maximum=1.0,
            used_by=(LANDED_COST,),
        ),
        Column(
            "designated_intermediate",
            "bool",
            doc="yes/no: made at a plant of the network, designated as an intermediate material (its whole value "
            "originating when it qualifies itself, else non-originating); blank = looked through (its own "
            "non-originating materials count).",
            used_by=(USMCA_ORIGIN,),
        ),
        Column(
            "origin_scope",
            "str",
            doc="The good, when the rules of origin name goods inside one subheading (SOR s.13, heading 87.08), "
            "e.g. McPherson struts, gear boxes, steering columns; optionally after the end use and ';' "
            "(original equipment, heavy truck; gear boxes). Blank = any other good.",
            used_by=(USMCA_ORIGIN,),
        ),
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

#: How long a candidate source (a supply row or a lane) takes to deliver in a disruption: read by the stress test.
CANDIDATE_TIMING = (
    Column(
        "qualification_weeks",
        "float",
        doc="Candidate rows: weeks before the source delivers once a disruption starts (qualification, first "
        "order and delivery); blank = the stress test's default.",
        non_negative=True,
        used_by=(RESILIENCE,),
    ),
    Column(
        "ramp_up_weeks",
        "float",
        doc="Candidate rows: weeks from the first output to full capacity; blank = the stress test's default.",
        non_negative=True,
        used_by=(RESILIENCE,),
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
        Column(
            "supplier_certifies_origin",
            "bool",
            doc="yes/no (true/false, 1/0): this source certifies the item USMCA-originating (Art. 5.2).",
            used_by=(USMCA_ORIGIN, LANDED_COST),
        ),
        Column(
            "other_costs_per_unit",
            "float",
            doc="Plant rows, USD per unit: direct labour, overhead, period and other costs (total cost but materials).",
            non_negative=True,
            used_by=(USMCA_ORIGIN,),
        ),
        Column(
            "excluded_costs_per_unit",
            "float",
            doc="Plant rows, USD per unit: excluded costs inside those costs (sales promotion, royalties, "
            "shipping and packing, non-allowable interest).",
            non_negative=True,
            used_by=(USMCA_ORIGIN,),
        ),
        Column(
            "total_cost_per_unit",
            "float",
            doc="Plant rows, USD per unit: total cost when known (overrides materials + other costs).",
            non_negative=True,
            used_by=(USMCA_ORIGIN,),
        ),
        Column(
            "international_shipping_per_unit",
            "float",
            doc="Plant rows, USD per unit: shipping after the point of direct shipment, "
            "taken out of the transaction value.",
            non_negative=True,
            used_by=(USMCA_ORIGIN,),
        ),
        Column(
            "price_local",
            "float",
            doc="Price per unit in the local currency; with fx_rate it replaces unit_price.",
            non_negative=True,
            used_by=(LANDED_COST,),
        ),
        Column(
            "currency", "str", doc="Currency of price_local, e.g. MXN (shown in the costing).", used_by=(LANDED_COST,)
        ),
        Column(
            "fx_rate",
            "float",
            doc="USD per unit of the currency (price = price_local x fx_rate).",
            positive=True,
            used_by=(LANDED_COST,),
        ),
        Column(
            "packaging_per_unit",
            "float",
            doc="Packaging per unit, USD (a flow's packaging_per_unit overrides it).",
            non_negative=True,
            used_by=(LANDED_COST,),
        ),
        Column(
            "origin_country",
            "str",
            doc="Country of origin of the goods when it differs from the site's (MX, MEX or Mexico): the maker's "
            "country of a part bought from a distributor or stockist. Exposure and trust count the value of a raw "
            "source (an item the network does not trace further) in this country; a country stress scenario stops "
            "the row too (it ships its stock but cannot restock).",
            used_by=(LANDED_COST, EXPOSURE, TRUST, RESILIENCE),
            country=True,
        ),
        Column(
            "usmca_originating",
            "bool",
            doc="yes/no: the goods are USMCA-originating (else supplier_certifies_origin; "
            "goods made in the network are decided by the origin analysis).",
            used_by=(LANDED_COST,),
        ),
        *CANDIDATE_TIMING,
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
        Column(
            "shipments_per_year",
            "float",
            doc="Shipments per year on the lane; blank = the lane default.",
            positive=True,
            used_by=(LANDED_COST,),
        ),
        Column(
            "packaging_per_unit",
            "float",
            doc="Packaging per unit on this lane, USD (overrides the supply row's).",
            non_negative=True,
            used_by=(LANDED_COST,),
        ),
        Column(
            "freight_per_kg",
            "float",
            doc="Freight per kg, USD, times the item's weight_kg; used when freight_per_unit is blank.",
            non_negative=True,
            used_by=(LANDED_COST,),
        ),
        Column(
            "freight_per_container",
            "float",
            doc="Freight per container, USD, divided by units_per_container; used when freight_per_unit is blank.",
            non_negative=True,
            used_by=(LANDED_COST,),
        ),
        Column(
            "units_per_container",
            "float",
            doc="Units per container, for freight_per_container.",
            positive=True,
            used_by=(LANDED_COST,),
        ),
        Column(
            "other_goods_value_per_shipment",
            "float",
            doc="Customs value, USD, of other goods entered with each shipment of this lane that are not flows "
            "of the network (they share the entry's broker fee and MPF).",
            non_negative=True,
            used_by=(LANDED_COST,),
        ),
        *CANDIDATE_TIMING,
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


def analysis_columns(analysis: str | None = None, table: str | None = None) -> tuple[Column, ...]:
    """The optional columns read by ``analysis`` (every analysis when None), of ``table`` or of every table."""
    tables = [TABLES[table]] if table is not None else list(TABLES.values())
    return tuple(c for t in tables for c in t.columns if c.used_by and (analysis is None or analysis in c.used_by))


def json_schema() -> dict[str, object]:
    """The JSON Schema of a network document (one object, one list per table)."""
    type_map = {"str": "string", "float": "number", "int": "integer", "bool": "boolean"}
    props: dict[str, object] = {}
    for table in TABLES.values():
        cols: dict[str, object] = {}
        for c in table.columns:
            spec: dict[str, object] = {"description": c.note}
            base = type_map[c.type]
            if c.choices:
                spec["enum"] = [*c.choices, None]
            elif c.type == "bool":  # true/false, or a yes/no word as text
                spec["type"] = [base, "string", "null"]
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
