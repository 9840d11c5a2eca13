"""The reporter's own value added in what it imports: ``import_content`` over a world input-output table.

For a reporter R (the United States) and a partner p (Mexico), the headline measure is the share of R's value
added in R's gross imports from p: R's rows of ``diag(v) L`` applied to p's gross exports to R, divided by
those exports (source-based accounting, Koopman, Wang & Wei 2014). It is shown beside the same value added
counted once (the flow hypothetically extracted, Los, Timmer & de Vries 2016), by the exporting sector, and
beside the seeds' claim. See docs/tiva.md for the definitions and their limits.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np

from allyshore.tiva import iomath
from allyshore.tiva.iomath import Array
from allyshore.tiva.results import ExportSplit, PartnerContent, SectorContent, TivaResult
from allyshore.tiva.wiot import IOTable

__all__ = ["CLAIM", "IOModel", "build_model", "import_content"]

#: The claim this analysis checks, its value and where it comes from.
CLAIM: Final[dict[str, Any]] = {
    "text": "40% of the content of US imports from Mexico originates in the US",
    "value": 0.40,
    "source": (
        "Wilson Center, 'Working Together' (2011): forty cents of every dollar of US imports from Mexico, against "
        "four cents for China; usually attributed to Koopman, Powers, Wang & Wei (2010), NBER Working Paper 16426, "
        "whose text does not state it; built on pre-2010 data"
    ),
}

#: Manufacturing sectors of the tables whose sector codes are known (WIOD 2013: NACE Rev. 1.1 15-37).
MANUFACTURING: Final[dict[str, frozenset[str]]] = {
    "wiod2013": frozenset(f"c{i}" for i in range(3, 17)),
}
WIOD2013_SECTORS: Final = tuple(f"c{i}" for i in range(1, 36))
#: Largest |v L - 1| for a table's own value-added row to be used as it is.
VA_TOLERANCE: Final = 1e-3

DEFINITION: Final = (
    "reporter_va_share: value added created in the reporter (any of its sectors, at any earlier stage) that is "
    "embodied in the partner's gross exports to the reporter (intermediate and final goods and services, all "
    "sectors), divided by those gross exports, i.e. by the reporter's gross imports from the partner. Computed "
    "as the reporter's rows of diag(v) L times the bilateral export vector (source-based, Koopman-Wang-Wei 2014; "
    "value added crossing borders more than once is counted each time). reporter_va_share_extraction: the same "
    "value added counted once, the reporter's value added that would vanish if the partner's exports to it were "
    "hypothetically extracted (Los-Timmer-de Vries 2016). Proportionality: every user of a sector buys imports "
    "in the same proportions, so export-processing plants' extra US inputs are not seen."
)


@dataclass(frozen=True)
class IOModel:
    """The Leontief model of a table: output, coefficients, inverse and value-added coefficients."""

    table: IOTable
    x: Array
    A: Array
    L: Array
    v: Array
    v_kind: str  # "balancing" (1 - column sums of A) or "table" (the table's value-added row / x)
    Yr: Array
    E: Array

    @property
    def G(self) -> int:
        return len(self.table.regions)


def build_model(table: IOTable, *, balancing: bool | None = None) -> IOModel:
    """Output ``x = Z 1 + Y 1``, ``A``, the Leontief inverse (one LU factorisation) and ``v``: the table's
    value-added row over output when it has one and it accounts for every unit of output (``v L = 1`` within
    :data:`VA_TOLERANCE`), else ``1 - column sums of A``; ``balancing`` True or False forces the choice."""
    x = iomath.calc_x(table.Z, table.Y)
    A = iomath.calc_A(table.Z, x)
    L = iomath.calc_L(A)
    use_table = table.va is not None and not balancing
    v = iomath.calc_v(table.va, x) if use_table and table.va is not None else iomath.calc_v_balancing(A)
    if use_table and balancing is None and iomath.va_identity_error(v, L) > VA_TOLERANCE:
        use_table = False  # the table's value-added row does not account for its output: balance it instead
        v = iomath.calc_v_balancing(A)
    Yr = table.Yr
    E = iomath.calc_gross_trade(table.Z, Yr, table.region, len(table.regions))
    return IOModel(table, x, A, L, v, "table" if use_table else "balancing", Yr, E)


def _share(part: float, whole: float) -> float:
    return part / whole if whole else float("nan")


def _manufacturing(table: IOTable) -> frozenset[str] | None:
    return MANUFACTURING["wiod2013"] if table.sectors == WIOD2013_SECTORS else None


def import_content(
    table: IOTable,
    reporter: str = "USA",
    partners: Sequence[str] = ("MEX", "CHN", "CAN"),
    *,
    top: int = 5,
    model: IOModel | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> TivaResult:
    """The reporter's value added in its gross imports from each partner, in total and by the partner's
    exporting sector, with the export split of the reporter and the partners (see the module's docstring)."""
    r = table.region_number(reporter, "--reporter")
    ps = [table.region_number(p, "--partners") for p in partners]
    if r in ps:
        from allyshore.errors import InputError

        raise InputError(f"--partners: {reporter} is the reporter; its imports from itself are not trade")
    steps = 2 + len(ps)
    m = model or build_model(table)
    if progress:
        progress(1, steps)
    region, G = table.region, m.G
    C = iomath.calc_origin_shares(iomath.calc_VL(m.v, m.L), region, G)  # (G x n) origin profile of each column
    xL = m.L @ m.Yr.sum(axis=1)
    manufacturing = _manufacturing(table)
    sector_of = np.tile(np.array(table.sectors, dtype=object), G)
    rows: list[PartnerContent] = []
    sectors: list[SectorContent] = []
    for done, p in enumerate(ps, start=2):
        code = table.regions[p]
        block = region == p
        e = np.where(block, m.E[:, r], 0.0)  # p's gross exports to r, by p's sector
        origin = C @ e  # value added by origin region
        total = float(e.sum())
        extraction = iomath.calc_extraction_va(m.v, m.A, m.Yr, region, p, r, x=xL, L=m.L)
        third = [(table.regions[s], _share(float(origin[s]), total)) for s in range(G) if s not in (p, r)]
        third.sort(key=lambda kv: -kv[1])
        man_imports: float | None = None
        man_share: float | None = None
        if manufacturing is not None:
            mask = block & np.isin(sector_of, list(manufacturing))
            man_imports = float(e[mask].sum())
            man_share = _share(float(C[r, mask] @ e[mask]), man_imports)
        rows.append(
            PartnerContent(
                partner=code,
                gross_imports=total,
                reporter_va=float(origin[r]),
                reporter_va_share=_share(float(origin[r]), total),
                reporter_va_share_extraction=_share(float(extraction[region == r].sum()), total),
                partner_va_share=_share(float(origin[p]), total),
                third_country_va_share=_share(float(origin.sum() - origin[r] - origin[p]), total),
                top_third_countries=dict(third[:top]),
                manufacturing_imports=man_imports,
                reporter_va_share_manufacturing=man_share,
            )
        )
        for k in np.flatnonzero(block):
            sector = table.sectors[k % len(table.sectors)]
            sectors.append(
                SectorContent(
                    partner=code,
                    sector=sector,
                    sector_name=table.sector_names.get(sector, sector),
                    gross_imports=float(e[k]),
                    reporter_va_share=float(C[r, k]),
                    partner_va_share=float(C[p, k]),
                    third_country_va_share=float(C[:, k].sum() - C[r, k] - C[p, k]),
                )
            )
        if progress:
            progress(done, steps)
    split = iomath.calc_export_split(m.v, m.A, m.L, m.Yr, m.E, region, G)
    exports = [
        ExportSplit(
            country=table.regions[g],
            gross_exports=float(split["gross_exports"][g]),
            vax=float(split["vax"][g]),
            returned_dva=float(split["returned_dva"][g]),
            domestic_double_counting=float(split["domestic_double_counting"][g]),
            foreign_va=float(split["foreign_va"][g]),
            dva_share=_share(float(split["vax"][g] + split["returned_dva"][g]), float(split["gross_exports"][g])),
            foreign_va_share=_share(float(split["foreign_va"][g]), float(split["gross_exports"][g])),
        )
        for g in [r, *ps]
    ]
    if progress:
        progress(steps, steps)
    return TivaResult(
        table=table.name,
        year=table.year,
        reporter=table.regions[r],
        definition=DEFINITION,
        claim=_claim(table.regions[r], rows),
        partners=tuple(rows),
        by_sector=tuple(sectors),
        export_split=tuple(exports),
        method=_method(m, manufacturing),
    )


def _claim(reporter: str, rows: list[PartnerContent]) -> dict[str, Any]:
    mex = next((p for p in rows if p.partner == "MEX"), None)
    computed = mex.reporter_va_share if reporter == "USA" and mex is not None else None
    return {**CLAIM, "computed": computed, "computed_is": "partners[MEX].reporter_va_share" if computed is not None else None}


def _method(m: IOModel, manufacturing: frozenset[str] | None) -> dict[str, Any]:
    table = m.table
    negative = [table.labels()[k] for k in np.flatnonzero(m.v < 0)]
    own_error = iomath.va_identity_error(iomath.calc_v(table.va, m.x), m.L) if table.va is not None else None
    return {
        "unit": table.unit,
        "source": table.source,
        "regions": len(table.regions),
        "sectors": len(table.sectors),
        "gross_output": "x = Z 1 + Y 1 (row sums of the table)",
        "x_max_abs_diff_published": (
            float(np.max(np.abs(m.x - table.x_published))) if table.x_published is not None else None
        ),
        "value_added": (
            "v = 1 - column sums of A: everything a column pays outside the table's intermediates (value added, "
            "taxes less subsidies on products, international margins) counts as its value added"
            + (
                f"; the table's own value-added row was not used: it leaves |v L - 1| up to {own_error:.3g}"
                if own_error is not None
                else ""
            )
            if m.v_kind == "balancing"
            else "v = the table's value-added row / x"
        ),
        "va_identity_max_error": iomath.va_identity_error(m.v, m.L),
        "negative_va_sectors": negative,
        "manufacturing_sectors": sorted(manufacturing, key=lambda s: int(s[1:])) if manufacturing else None,
        "processing_trade_split": False,
    }
