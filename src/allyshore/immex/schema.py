"""The IMMEX ledger format v1: its tables, columns, types and enumerations (docs/immex.md, "Ledger format").

One description drives reading (CSV folder, .zip, XLSX workbook, JSON object), typing and validation.
Column names are a public contract: optional columns may be added, never renamed.

Quantities, values, factors, rates and percentages are exact decimals of at most :data:`SCALE_DIGITS` decimal
places, held as whole numbers of millionths (``Int64`` "micro-units": 1.5 is 1_500_000); see :mod:`.ledger`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

LedgerType = Literal["text", "digits", "decimal", "int", "date", "choice", "country"]

#: Decimal places kept for every quantity, value and rate of the ledger.
SCALE_DIGITS = 6
#: One unit in micro-units.
SCALE = 10**SCALE_DIGITS
#: The largest whole part a decimal of the ledger may have (12 digits): sums of a million such figures in
#: micro-units stay within 64-bit integers.
MAX_WHOLE_DIGITS = 12

#: Material classes and the term each has (Ley Aduanera art. 108 III; Decreto IMMEX art. 4).
CLASSES = ("input", "packaging", "container", "fixed_asset")
#: Kinds of exit: how goods leave the temporary regime (LA 108, 109, 112; RGCE 4.3.5).
EXIT_KINDS = ("return", "virtual_transfer", "change_of_regime", "destruction", "waste")
#: Pedimento keys read (RGCE Anexo 22, Apendice 2: the IMMEX keys of docs/immex.md section 8, and R1, the
#: rectification of a pedimento under LA art. 89). All eleven appear with these meanings in a 2025 transcription
#: of Apendice 2 (github.com/cargoclaro/glosa, commit b8a15e0) [verify against the RGCE 2026 text].
KEYS = ("IN", "AF", "RT", "H1", "F4", "F5", "V1", "V5", "A3", "BB", "R1")
#: Customs regimes (RGCE Anexo 22, Apendice 16; the same ten in the 2025 transcription above).
REGIMES = ("IMD", "EXD", "ITR", "ITE", "ETR", "ETE", "DFI", "RFE", "RFS", "TRA")
#: Regimes whose pedimento lines are temporary imports, the ledger's lots.
TEMPORARY_REGIMES = ("ITE", "ITR")
#: IMMEX modalities (Decreto IMMEX art. 3).
MODALITIES = ("controladora", "industrial", "servicios", "albergue", "terciarizacion")
#: VAT/IEPS certification tiers (RGCE 7.1.2, 7.1.3).
CERTIFICATIONS = ("A", "AA", "AAA")


@dataclass(frozen=True)
class LedgerColumn:
    name: str
    type: LedgerType
    required: bool = False
    doc: str = ""
    choices: tuple[str, ...] = ()
    digits: int = 0  # the exact number of digits of a "digits" column
    default: int | None = None  # micro-units, for a decimal column
    positive: bool = False
    upper: bool = False  # choices compared in upper case (keys, regimes) rather than lower


def _c(name: str, type: LedgerType, required: bool = False, doc: str = "", **kw: object) -> LedgerColumn:
    return LedgerColumn(name, type, required, doc, **kw)  # type: ignore[arg-type]


#: The tables of the ledger, in the order they are read and validated.
LEDGER_TABLES: dict[str, tuple[LedgerColumn, ...]] = {
    "programs": (
        _c("rfc", "text", True, "the company's RFC"),
        _c("program_number", "text", True, "the IMMEX programme number"),
        _c("modality", "choice", doc="the programme's modality (Decreto IMMEX art. 3)", choices=MODALITIES),
        _c("certification", "choice", doc="VAT/IEPS certification tier", choices=CERTIFICATIONS, upper=True),
        _c("certification_valid_to", "date", doc="last day of the certification (YYYY-MM-DD)"),
    ),
    "materials": (
        _c("material_id", "text", True, "your identifier of the material"),
        _c("tariff_item", "digits", True, "TIGIE tariff item (fraccion), 8 digits", digits=8),
        _c("nico", "digits", doc="NICO, 2 digits", digits=2),
        _c("unit", "text", doc="the commercial unit the BOM and exits count in"),
        _c("tariff_unit", "text", doc="the TIGIE unit (UMT) the pedimentos count in"),
        _c(
            "tariff_unit_factor",
            "decimal",
            doc="tariff units per commercial unit (default 1)",
            default=1_000_000,
            positive=True,
        ),
        _c("class", "choice", True, "input | packaging | container | fixed_asset", choices=CLASSES),
    ),
    "products": (
        _c("product_id", "text", True, "your identifier of the product"),
        _c("tariff_item", "digits", doc="TIGIE tariff item, 8 digits", digits=8),
    ),
    "bom": (
        _c("product_id", "text", True, "the product made"),
        _c("material_id", "text", True, "a material (or a product made in the plant, for a multi-level BOM)"),
        _c("quantity", "decimal", True, "units of the material per unit of product", positive=True),
        _c("waste_pct", "decimal", doc="process loss (merma), percent of quantity", default=0),
        _c("scrap_pct", "decimal", doc="waste (desperdicio), percent of quantity", default=0),
        _c("effective_from", "date", doc="first day this line is in force (blank: always)"),
        _c("effective_to", "date", doc="last day this line is in force (blank: open)"),
    ),
    "pedimentos": (
        _c("pedimento", "digits", True, "the pedimento number, 15 digits", digits=15),
        _c("key", "choice", True, "the pedimento key (Anexo 22, Apendice 2)", choices=KEYS, upper=True),
        _c("regime", "choice", True, "the regime (Anexo 22, Apendice 16)", choices=REGIMES, upper=True),
        _c("date", "date", True, "the pedimento's date (YYYY-MM-DD)"),
        _c("clock_start", "date", doc="the day the term starts (RLA 173; default the date)"),
        _c("exchange_rate", "decimal", doc="MXN per USD of the pedimento", positive=True),
        _c("rectifies", "digits", doc="the pedimento this one rectifies (its lines replace the other's)", digits=15),
    ),
    "pedimento_lines": (
        _c("pedimento", "digits", True, "the pedimento number, 15 digits", digits=15),
        _c("sequence", "int", True, "the line's sequence number on the pedimento"),
        _c("material_id", "text", True, "the material imported"),
        _c("quantity", "decimal", True, "quantity in tariff units", positive=True),
        _c("value_usd", "decimal", True, "customs value of the line in US dollars"),
        _c("tariff_item", "digits", doc="tariff item declared (default the material's)", digits=8),
        _c("origin_country", "country", doc="country of origin (ISO code or name)"),
    ),
    "exits": (
        _c("exit_id", "text", True, "your identifier of the exit line"),
        _c("kind", "choice", True, " | ".join(EXIT_KINDS), choices=EXIT_KINDS),
        _c("date", "date", True, "the exit's date (YYYY-MM-DD)"),
        _c("pedimento", "digits", doc="a pedimento to discharge first (or the exit's own)", digits=15),
        _c("product_id", "text", doc="the product that left (or material_id)"),
        _c("material_id", "text", doc="the material that left in the same state (or product_id)"),
        _c("quantity", "decimal", True, "units of the product or material", positive=True),
    ),
}
