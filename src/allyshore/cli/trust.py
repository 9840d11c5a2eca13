"""``allyshore trust``: country trust tiers and scores under a policy."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from allyshore.cli import app
from allyshore.cli._common import CsvOption, JsonOption, console, output

if TYPE_CHECKING:
    from allyshore.trust import TrustTable


@app.command()
def trust(
    countries: Annotated[
        list[str] | None,
        typer.Argument(help="Countries to show (ISO alpha-2/alpha-3 codes or English names); all when omitted."),
    ] = None,
    policy_path: Annotated[
        Path | None,
        typer.Option("--policy", help="A trust policy TOML file; it replaces the default US policy."),
    ] = None,
    show_policy: Annotated[
        bool,
        typer.Option("--show-policy", help="Print the policy as TOML (the default one to copy and edit) and exit."),
    ] = False,
    as_json: JsonOption = False,
    csv_dir: CsvOption = None,
) -> None:
    """Show each country's trust tier and 0-100 score, with the inputs behind them."""
    from allyshore.trust import assess_countries, default_policy_text, load_policy

    if show_policy:
        print(default_policy_text() if policy_path is None else load_policy(policy_path).to_toml(), end="")
        return
    policy = None if policy_path is None else load_policy(policy_path)
    table = assess_countries(policy, countries or None)
    output(table, lambda: _show(table, bool(countries)), as_json=as_json, csv_dir=csv_dir)


def _show(table: TrustTable, explain: bool) -> None:
    from allyshore.trust import TIER_COLORS

    window = table.un_sessions
    sessions = "" if window is None else f", UN sessions {window[0]}-{window[1]}"
    grid = Table(title=f"Trust under '{table.policy.name}' (home {table.policy.home}{sessions}); * = incomplete inputs")
    for column, justify in (
        ("code", "left"),
        ("country", "left"),
        ("tier", "left"),
        ("score", "right"),
        ("x UN", "right"),
        ("FH", "right"),
        ("why (list, as of)", "left"),
    ):
        grid.add_column(column, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for entry in table:
        parts = {c.key: c for c in entry.components}
        un, fh = parts["un_alignment"].x, parts["freedom_house"].inputs[0].value
        score = "-" if entry.score is None else f"{entry.score:.1f}" + ("*" if entry.incomplete else "")
        grid.add_row(
            entry.alpha2,
            entry.name,
            f"[{TIER_COLORS[entry.tier]}]{entry.tier}[/]",
            score,
            "-" if un is None else f"{un:.2f}",
            "-" if fh is None else f"{fh:g}",
            entry.why,
        )
    console.print(grid)
    if explain:
        for entry in table:
            console.print(entry.text(), markup=False)
