"""The ``allyshore`` command line: thin Typer commands over the library.

Library errors (:class:`allyshore.errors.AllyshoreError`) are translated here,
once: one clear message on standard error and exit code 1; usage errors exit 2.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click
import typer

from allyshore.cli._common import err_console
from allyshore.errors import AllyshoreError

app = typer.Typer(
    name="allyshore",
    help="Ally-shoring workbench: map a multi-tier supply network, score trusted countries, "
    "and rework sourcing toward USMCA partners and allies.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _register() -> None:
    """Import every command module of this package; each adds its commands to ``app``."""
    import importlib
    import pkgutil

    for module in sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")):
        importlib.import_module(f"{__name__}.{module}")


def report_error(error: AllyshoreError) -> None:
    err_console.print(f"Error: {error}", markup=False)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``allyshore`` script."""
    _register()
    command = typer.main.get_command(app)
    try:
        result = command.main(
            args=list(argv) if argv is not None else None, prog_name="allyshore", standalone_mode=False
        )
    except (click.exceptions.Exit, typer.Exit) as exc:
        sys.exit(exc.exit_code)
    except (click.exceptions.Abort, typer.Abort):
        err_console.print("Aborted.")
        sys.exit(130)
    except (click.ClickException, typer.TyperException) as exc:
        # Typer may vendor its own copy of click: both kinds carry show() and exit_code.
        exc.show()  # type: ignore[union-attr]
        sys.exit(getattr(exc, "exit_code", 2))
    except AllyshoreError as exc:
        report_error(exc)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    sys.exit(result if isinstance(result, int) else 0)
