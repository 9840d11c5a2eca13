"""``allyshore capacity resolve``: a supplier list matched to DENUE establishments."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from allyshore.cli._common import CsvOption, JsonOption, console, err_console, output
from allyshore.cli.capacity import DataDirOption, capacity_app

if TYPE_CHECKING:
    from allyshore.capacity.resolve_results import ResolveResult

_SHOWN = 50


@capacity_app.command("resolve")
def resolve(
    suppliers: Annotated[
        Path,
        typer.Argument(
            metavar="SUPPLIERS",
            help="Supplier list: CSV or .xlsx with columns name and municipality (optional: state, address, "
            "postal_code, scian, lat, lon, supplier_id, rfc, expected_establishment_id); docs/capacity.md.",
        ),
    ],
    data_dir: DataDirOption = None,
    accept: Annotated[
        float, typer.Option("--accept", min=0, max=100, help="Score (0-100) at or above which a match is accepted.")
    ] = 90.0,
    review: Annotated[
        float,
        typer.Option(
            "--review", min=0, max=100, help="Score from which a candidate is sent to review (below: unmatched)."
        ),
    ] = 75.0,
    workers: Annotated[int, typer.Option("--workers", help="Scoring threads (-1: every core).")] = 1,
    as_json: JsonOption = False,
    csv_dir: CsvOption = None,
) -> None:
    """Match a supplier list to DENUE establishments: exact names first, then fuzzy scores within each
    supplier's municipality, SCIAN subsector or h3 cells; matched, to review, or unmatched, with every score."""
    from allyshore.capacity.resolve import resolve as run_resolve

    result = run_resolve(suppliers, data_dir, accept=accept, review=review, workers=workers)
    for problem in result.warnings:
        err_console.print(f"Warning: {problem}", markup=False)
    output(result, lambda: _show(result), as_json=as_json, csv_dir=csv_dir)


def _show(result: ResolveResult) -> None:
    rule = result.thresholds
    table = Table(title=f"Suppliers resolved against DENUE {result.edition or ''}".rstrip())
    for column in ("row", "supplier", "municipality", "status", "establishment", "DENUE name", "score", "how / why"):
        table.add_column(column, overflow="fold")
    for s in result.suppliers[:_SHOWN]:
        table.add_row(
            str(s.row),
            s.name,
            s.municipality or "",
            s.status,
            s.establishment_id or "",
            s.matched_name or "",
            "" if s.score is None else f"{s.score:.1f}",
            f"{s.method or ''} {s.field or ''}".strip() if s.status == "matched" else (s.reason or ""),
        )
    console.print(table)
    if len(result.suppliers) > _SHOWN:
        console.print(f"({len(result.suppliers) - _SHOWN} more rows: use --json or --csv DIR)")
    summary = result.summary
    console.print(
        f"{summary['matched']} matched ({summary['matched_exact']} exact, {summary['matched_fuzzy']} fuzzy), "
        f"{summary['review']} to review, {summary['unmatched']} unmatched of {summary['suppliers']}; "
        f"accept >= {rule.accept:g}, review >= {rule.review:g} ({rule.scorer} on name keys)."
    )
    ev = result.evaluation
    if ev is not None:
        console.print(
            f"Against expected_establishment_id: precision {ev.precision}, recall {ev.recall}, "
            f"recall counting review {ev.recall_with_review} ({ev.positives} present, {ev.negatives} absent)."
        )
