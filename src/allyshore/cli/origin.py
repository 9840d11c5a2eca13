"""USMCA origin commands: ``allyshore origin determine | schema | rule``.

The sub-Typer ``origin_app`` is shared: other command modules add their commands to it with
``from allyshore.cli.origin import origin_app``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from allyshore.cli import app
from allyshore.cli._common import CsvOption, DatabaseOption, JsonOption, console, emit_json, output

if TYPE_CHECKING:
    from allyshore.origin.results import OriginResult, RuleEntries

origin_app = typer.Typer(
    name="origin",
    help="USMCA rules of origin: decide a good, print the case schema, look up a product-specific rule.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(origin_app, name="origin")


@origin_app.command("determine")
def determine(
    case: Annotated[Path, typer.Argument(help="Origin case file (JSON, case format v1).")],
    as_json: JsonOption = False,
    csv_dir: CsvOption = None,
    save: Annotated[bool, typer.Option("--save", help="Save the determination as an immutable record.")] = False,
    database_url: DatabaseOption = None,
) -> None:
    """Decide whether one good is USMCA-originating, and explain why, section by section."""
    from allyshore.origin import determine_origin
    from allyshore.origin.rules import load_library

    load_library()  # a broken rules file is reported before anything else
    if save:
        from allyshore.store import open_store

        with open_store(database_url) as store:
            result, record = store.determine_and_save(case)
        if not as_json:
            console.print(f"Saved as record {record.id} in {store.url}.", markup=False)
    else:
        result = determine_origin(case)
    output(result, lambda: _show(result), as_json=as_json, csv_dir=csv_dir)


def _show(result: OriginResult) -> None:
    verdict = "ORIGINATING" if result.originating else "NOT ORIGINATING"
    head = f"HS {result.hs}"
    if result.description:
        head += f" — {result.description}"
    console.print(f"{head}: {verdict}" + (f" (criterion {result.criterion})" if result.criterion else ""), markup=False)
    if result.alternative is not None:
        console.print(f"Alternative met: {result.alternative + 1}", markup=False)
    if result.rvc is not None:
        from allyshore.origin.results import fmt
        from allyshore.origin.rvc import pct

        method = result.rvc.method.replace("_", " ")
        console.print(
            f"RVC ({method}): {fmt(result.rvc.value)}% vs threshold {pct(result.rvc.threshold)}%", markup=False
        )
    if result.tariff_shift is not None and result.tariff_shift.failing_materials:
        console.print(f"Failing materials: {', '.join(result.tariff_shift.failing_materials)}", markup=False)
    if result.failed_requirements:
        console.print(f"Failed: {', '.join(result.failed_requirements)}", markup=False)
    if result.rule_source is not None:
        origin = "supplied by the user" if result.rule_source == "user" else result.rule_source
        scope = f", for {result.rule_scope}" if result.rule_scope else ""
        state = "verified" if result.rule_verified else "UNVERIFIED"
        console.print(f"Rule: {origin}{scope} (source: {result.rule_source}, {state})", markup=False)
    for caution in result.cautions:
        console.print(caution, markup=False)
    console.print("Explanation:", markup=False)
    for i, sentence in enumerate(result.explanation, 1):
        console.print(f"  {i}. {sentence}", markup=False)


@origin_app.command("schema")
def schema(
    which: Annotated[str, typer.Option("--which", help="case, result or both.")] = "both",
) -> None:
    """Print the JSON Schemas of the origin case and of the determination."""
    from allyshore.origin import case_schema, result_schema

    if which == "case":
        emit_json(case_schema())
    elif which == "result":
        emit_json(result_schema())
    else:
        emit_json({"case": case_schema(), "result": result_schema()})


@origin_app.command("rule")
def rule(
    hs: Annotated[str, typer.Argument(help="HS code of the good, e.g. 8708.99 or 870899.")],
    as_json: JsonOption = False,
    csv_dir: CsvOption = None,
) -> None:
    """Print the product-specific rule(s) of origin for an HS code, with legal text and source."""
    from allyshore.origin.rules import rule_entries

    entries = rule_entries(hs)
    output(entries, lambda: _show_rules(entries), as_json=as_json, csv_dir=csv_dir)


def _show_rules(entries: RuleEntries) -> None:
    for e in entries.entries:
        dates = ""
        if e["valid_from"] or e["valid_to"]:
            dates = f" [{e['valid_from'] or '…'} to {e['valid_to'] or '…'}]"
        scope = f" ({e['scope']})" if e["scope"] else ""
        flag = "" if e["verified"] else "  [UNVERIFIED]"
        console.print(f"HS {e['hs']}{scope}{dates}{flag}", markup=False)
        console.print(f"  Text: {e['text']}", markup=False)
        console.print(f"  Source: {e['source']} ({e['hs_edition']})", markup=False)
        for i, alt in enumerate(e["alternatives"], 1):
            also = "".join(f"; also requires: {req}" for req in alt.get("other_requirements", ()))
            console.print(
                f"  Alternative {i}: tariff shift {alt['tariff_shift']}, RVC {alt['rvc']}{also}", markup=False
            )
