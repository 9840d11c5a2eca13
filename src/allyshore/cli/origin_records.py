"""Origin records and certification: ``allyshore origin history | verify | certify`` (and ``network``, ``advise``).

The store is ``./allyshore.db`` unless ``--database-url`` or ``ALLYSHORE_DATABASE_URL`` names another
database (any SQLAlchemy URL, e.g. ``postgresql+psycopg://user@host/allyshore``); its key is beside a
SQLite file unless ``--key-file`` or ``ALLYSHORE_STORE_KEY_FILE`` names it (docs/security.md).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from allyshore.cli._common import (
    CsvOption,
    DatabaseOption,
    JsonOption,
    KeyFileOption,
    NetworkArgument,
    PolicyOption,
    console,
    date_option,
    output,
)
from allyshore.cli.origin import origin_app

if TYPE_CHECKING:
    from allyshore.origin.advise_result import QualificationPlan
    from allyshore.origin.certification import Certification
    from allyshore.origin.network_result import NetworkOrigin
    from allyshore.store import DeterminationHistory, StoreVerification

RulesDateOption = Annotated[date | None, date_option("--as-of", "Date the rules are read at (default: no date).")]


@origin_app.command("history")
def history(
    hs: Annotated[str | None, typer.Option("--hs", help="Only goods whose HS code starts with this.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many records, newest first.")] = 50,
    database_url: DatabaseOption = None,
    key_file: KeyFileOption = None,
    as_json: JsonOption = False,
    csv_dir: CsvOption = None,
) -> None:
    """List saved origin determinations (immutable records, newest first), each verified against its hash,
    its key and the record before it."""
    from allyshore.store import open_store

    with open_store(database_url, key_file=key_file) as store:
        records = store.list_determinations(hs=hs, limit=limit)
    output(records, lambda: _show_history(records, store.url), as_json=as_json, csv_dir=csv_dir)


VERIFIED_WORDS = {True: "yes", False: "NO", None: "unknown"}


def _show_history(records: DeterminationHistory, url: str) -> None:
    if not len(records):
        console.print(f"No saved determinations in {url}.", markup=False)
        return
    table = Table(title=f"Origin determinations in {url}")
    for column in ("id", "saved (UTC)", "good", "HS", "verdict", "crit.", "RVC %", "rule", "hash", "verified"):
        table.add_column(column, overflow="fold")
    for r in records:
        s = r.summary()
        table.add_row(
            str(r.id),
            s["created_at"],
            r.subject,
            r.hs,
            "originating" if r.originating else "NOT originating",
            r.criterion or "",
            "" if s["rvc"] is None else f"{s['rvc']:.1f}",
            r.rule_version,
            r.content_hash[:12],
            f"{VERIFIED_WORDS[s['verified']]} ({s['verification']})",
        )
    console.print(table)
    failed = [r for r in records if r.verified is False]
    if failed:
        ids = ", ".join(str(r.id) for r in failed)
        console.print(f"Records {ids} failed verification: run `allyshore origin verify`.", markup=False)


@origin_app.command("verify")
def verify(
    database_url: DatabaseOption = None,
    key_file: KeyFileOption = None,
    as_json: JsonOption = False,
    csv_dir: CsvOption = None,
) -> int:
    """Check every saved determination: content hash, keyed MAC and link to the record before it, and that no
    record was removed from the end; name the first broken link (exit 1 when there is one)."""
    from allyshore.store import open_store

    with open_store(database_url, key_file=key_file) as store:
        report = store.verify_records()
    output(report, lambda: _show_verification(report), as_json=as_json, csv_dir=csv_dir)
    return 0 if report.ok else 1


def _show_verification(report: StoreVerification) -> None:
    counts = ", ".join(f"{report.count(s)} {s}" for s in ("verified", "legacy-sealed", "legacy-unkeyed", "no-key"))
    console.print(f"{report.store} (key {report.key}): {len(report.checks)} record(s): {counts}.", markup=False)
    if report.ok:
        console.print(f"OK: {report.message()}.", markup=False)
        return
    console.print(f"BROKEN: {report.message()}", markup=False)
    for check in report.checks:
        if check.verified is False and check is not report.first_broken:
            console.print(f"  record {check.id} is {check.status}: {check.reason}", markup=False)


@origin_app.command("certify")
def certify(
    parties: Annotated[
        Path,
        typer.Option(
            "--parties", help="JSON file: certifier role and details, exporter, producer, importer, signature."
        ),
    ],
    record: Annotated[list[int] | None, typer.Option("--record", help="Saved determination id (repeatable).")] = None,
    case: Annotated[
        list[Path] | None, typer.Option("--case", help="Origin case file to determine (repeatable).")
    ] = None,
    blanket_from: Annotated[date | None, date_option("--from", "Blanket period start.")] = None,
    blanket_to: Annotated[date | None, date_option("--to", "Blanket period end (at most 12 months).")] = None,
    out: Annotated[Path, typer.Option("--out", help="Output stem: writes OUT.pdf and OUT.json.")] = Path(
        "certification-of-origin"
    ),
    save: Annotated[bool, typer.Option("--save", help="Save the determinations of --case files as records.")] = False,
    database_url: DatabaseOption = None,
    key_file: KeyFileOption = None,
    as_json: JsonOption = False,
    csv_dir: CsvOption = None,
) -> None:
    """Issue the USMCA certification of origin (Annex 5-A data elements) as PDF and JSON; saved records are
    verified first (hash, key and chain), and a record that fails is refused."""
    from allyshore.report.certificate import issue_certification

    certification, (pdf_path, json_path) = issue_certification(
        parties=parties,
        record_ids=record or [],
        cases=case or [],
        blanket_from=blanket_from,
        blanket_to=blanket_to,
        out=out,
        save=save,
        database_url=database_url,
        key_file=key_file,
    )
    output(
        certification, lambda: _show_certification(certification, pdf_path, json_path), as_json=as_json, csv_dir=csv_dir
    )


def _show_certification(certification: Certification, pdf_path: Path, json_path: Path) -> None:
    for label, text in certification.elements():
        console.print(f"{label}: {text}".replace("\n", "; "), markup=False)
    for caution in certification.cautions:
        console.print(caution, markup=False)
    console.print(f"Wrote {pdf_path} and {json_path}", markup=False)


DESIGNATE_HELP = (
    "In-house sub-assemblies: 'given' (the items' designated_intermediate column; look-through where blank), "
    "'none' (look through every one, SOR/2020-155 s.7(5)(a)), 'all' (designate every one as an intermediate "
    "material, s.8(6)-(8)), 'auto' (per good, the better of look-through and designating those that qualify)."
)


class Designate(StrEnum):
    given = "given"
    none = "none"
    all = "all"
    auto = "auto"


@origin_app.command("network")
def network_origin(
    network: NetworkArgument,
    good: Annotated[str | None, typer.Option("--good", help="Only this finished good (item id).")] = None,
    as_of: RulesDateOption = None,
    designate: Annotated[Designate, typer.Option("--designate", help=DESIGNATE_HELP)] = Designate.given,
    save: Annotated[bool, typer.Option("--save", help="Save each determination as an immutable record.")] = False,
    database_url: DatabaseOption = None,
    as_json: JsonOption = False,
    csv_dir: CsvOption = None,
) -> None:
    """Decide USMCA origin for every finished good of a network: verdict, RVC, margin, deciding materials."""
    from allyshore.io import load_network
    from allyshore.origin.from_network import determine_network

    result = determine_network(load_network(network), good=good, as_of=as_of, designate=designate.value)
    if save:
        from allyshore.store import open_store

        with open_store(database_url) as store:
            result = store.save_network_origin(result)
    output(result, lambda: _show_network(result), as_json=as_json, csv_dir=csv_dir)


def _show_network(result: NetworkOrigin) -> None:
    table = Table(title=f"USMCA origin of the finished goods of {result.network}")
    columns = ("good", "plant", "HS", "verdict", "crit.", "RVC %", "threshold", "margin", "designation")
    for column in (*columns, "deciding materials"):
        table.add_column(column, overflow="fold")
    for g in result.goods:
        table.add_row(
            g.item_id,
            g.site_id,
            g.hs,
            g.status.replace("_", " ") + (f" ({g.reason})" if g.reason and not g.originating else ""),
            g.criterion or "",
            "" if g.rvc is None else f"{g.rvc:.1f}",
            "" if g.threshold is None else f"{g.threshold:g}",
            "" if g.margin is None else f"{g.margin:+.1f}",
            _designation_words(
                g.designation.applied if g.designation else "", g.designation.items if g.designation else ()
            ),
            ", ".join(g.deciding_materials),
        )
    console.print(table)
    for g in result.goods:
        if g.designation is not None and (g.alternatives or g.designation.mode == "auto"):
            console.print(f"{g.item_id} @ {g.site_id}: {g.designation.explanation}", markup=False)
        for a in g.alternatives:
            rvc = "" if a.rvc is None else f", RVC {a.rvc:.1f}% (threshold {a.threshold:g}%)"
            section = "SOR/2020-155 s.8(6)-(8)" if a.items else "SOR/2020-155 s.7(5)(a)"
            console.print(
                f"  alternatively, {_designation_words(a.applied, a.items)} ({section}): "
                f"{a.status.replace('_', ' ')}{rvc}",
                markup=False,
            )
    if result.record_ids:
        console.print(f"Saved records {', '.join(str(i) for i in result.record_ids.values())}.", markup=False)


def _designation_words(applied: str, items: tuple[str, ...]) -> str:
    if not applied:
        return ""
    return f"designating {', '.join(items)}" if items else "look-through"


class CostBasis(StrEnum):
    landed = "landed"
    price = "price"


@origin_app.command("advise")
def advise(
    network: NetworkArgument,
    good: Annotated[str, typer.Option("--good", help="The finished good (item id) to qualify.")],
    site: Annotated[str | None, typer.Option("--site", help="The plant making it, when several do.")] = None,
    as_of: RulesDateOption = None,
    designate: Annotated[Designate, typer.Option("--designate", help=DESIGNATE_HELP)] = Designate.given,
    cost_basis: Annotated[
        CostBasis,
        typer.Option(
            "--cost-basis",
            help="'landed' (default): added landed cost of each change, duties and fees included; "
            "'price': price + freight only.",
        ),
    ] = CostBasis.landed,
    assumptions: Annotated[
        Path | None, typer.Option("--assumptions", help="Landed-cost assumptions TOML (see `cost defaults`).")
    ] = None,
    policy: PolicyOption = None,
    as_json: JsonOption = False,
    csv_dir: CsvOption = None,
) -> None:
    """Find the least-cost re-sourcing to candidate sources, at any in-house BOM level, that makes a good
    USMCA-originating (HiGHS MIP); the cost is the added landed cost."""
    from allyshore.io import load_network
    from allyshore.origin.advise import advise_qualification

    plan = advise_qualification(
        load_network(network),
        good,
        site=site,
        as_of=as_of,
        policy=policy,
        assumptions=assumptions,
        designate=designate.value,
        cost_basis=cost_basis.value,
    )
    output(plan, lambda: _show_plan(plan), as_json=as_json, csv_dir=csv_dir)


def _show_plan(plan: QualificationPlan) -> None:
    console.print(f"{plan.item_id} @ {plan.site_id}: {plan.message}", markup=False)
    if plan.changes:
        table = Table(title="Re-sourcing plan")
        columns = ("input", "at", "within", "from", "to", "country", "units/good", "value before", "after")
        for column in (*columns, "added landed", "originating"):
            table.add_column(column, overflow="fold")
        for c in plan.changes:
            table.add_row(
                c.item_id,
                c.at_site,
                " > ".join(c.within),
                ", ".join(c.from_sources),
                c.to_site,
                c.to_country,
                f"{c.quantity:g}",
                f"{c.value_before:,.2f}",
                f"{c.value_after:,.2f}",
                f"{c.added_cost_per_unit:+,.2f}",
                "yes" if c.originating_after else "no",
            )
        console.print(table)
    if plan.rvc_after is not None:
        before = "n/a" if plan.rvc_before is None else f"{plan.rvc_before:.1f}%"
        method = (plan.method_after or "").replace("_", " ")
        console.print(
            f"RVC ({method}): {before} -> {plan.rvc_after:.1f}% (threshold {plan.threshold_after:g}%)", markup=False
        )
    if plan.changes:
        console.print(
            f"Added cost ({plan.cost_basis}): {plan.added_cost_per_unit:+,.2f} USD per unit, "
            f"{plan.added_cost_per_year:+,.0f} USD per year ({plan.units_per_year:,.0f} units).",
            markup=False,
        )
    if plan.duty_saved_per_unit is not None and plan.duty_saved_per_year is not None:
        console.print(
            f"Duty saved on the finished good once originating: {plan.duty_saved_per_unit:,.2f} USD per unit, "
            f"{plan.duty_saved_per_year:,.0f} USD per year; net {plan.net_cost_per_year:+,.0f} USD per year.",
            markup=False,
        )
    for note in plan.cost_notes:
        console.print(f"Note: {note}", markup=False)
