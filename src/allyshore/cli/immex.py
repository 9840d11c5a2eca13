"""IMMEX control: ``allyshore immex import | balances | discharges | deadlines | report``.

The sub-Typer ``immex_app`` is shared: other command modules add their commands to it with
``from allyshore.cli.immex import immex_app``.
"""

from __future__ import annotations

import typer

from allyshore.cli import app

immex_app = typer.Typer(
    name="immex",
    help="IMMEX temporary imports: the ledger by pedimento, FIFO discharge through the BOM, deadlines, Anexo 24.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(immex_app, name="immex")
