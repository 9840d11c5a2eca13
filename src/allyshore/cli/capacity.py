"""Mexico's industrial capacity: ``allyshore capacity import | download | map | match | resolve``.

The sub-Typer ``capacity_app`` is shared: other command modules add their commands to it with
``from allyshore.cli.capacity import capacity_app``.
"""

from __future__ import annotations

import typer

from allyshore.cli import app

capacity_app = typer.Typer(
    name="capacity",
    help="Mexico's industrial capacity from INEGI's DENUE: import, map by state and sector, match parts to establishments.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(capacity_app, name="capacity")
