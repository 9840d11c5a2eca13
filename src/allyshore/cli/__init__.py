"""The ``allyshore`` command line: thin Typer commands over the library.

Library errors (:class:`allyshore.errors.AllyshoreError`) are translated here,
once: one clear message on standard error and exit code 1; usage errors exit 2.

Start-up is kept short: a command module imports its analysis inside the
command function, and running a top-level command named in
:data:`COMMAND_MODULES` imports only the module that defines it (``--help``, a
command group or any other command imports every command module).
"""

from __future__ import annotations

import gc
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType

import typer

from allyshore.cli import _common
from allyshore.errors import AllyshoreError

#: Top-level commands (not groups: their sub-commands may live in several modules) -> the module of this
#: package that defines them. Only for speed: a command missing here still runs, after every module is imported.
COMMAND_MODULES: dict[str, str] = {
    "validate": "network",
    "convert": "network",
    "template": "network",
    "exposure": "exposure",
    "report": "report",
    "demo": "report",
    "stress": "resilience",
    "simulate": "resilience",
    "samples": "samples",
    "generate": "samples",
    "trust": "trust",
    "tariff": "tariff",
    "tiva": "tiva",
    "serve": "web",
    "worker": "web",
}

app = typer.Typer(
    name="allyshore",
    help="Ally-shoring workbench: map a multi-tier supply network, score trusted countries, "
    "and rework sourcing toward USMCA partners and allies.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.callback()
def _root() -> None:
    # A callback keeps the app a group of commands when only one command module is imported.
    pass


def _register(argv: Sequence[str] | None = None) -> None:
    """Import the command modules of this package; each adds its commands to ``app``.

    Only the module of the command ``argv`` runs when :data:`COMMAND_MODULES` names it; every module otherwise.
    """
    if argv and argv[0] in COMMAND_MODULES:  # the app has no options of its own: the command comes first
        importlib.import_module(f"{__name__}.{COMMAND_MODULES[argv[0]]}")
        return
    import pkgutil

    for module in sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")):
        importlib.import_module(f"{__name__}.{module}")


def _click_exceptions() -> ModuleType:
    """The exceptions of the click that Typer runs on: its vendored copy (recent Typer), else the click package's."""
    try:
        return importlib.import_module("typer._click.exceptions")
    except ImportError:
        return importlib.import_module("click.exceptions")


def report_error(error: AllyshoreError) -> None:
    _common.err_console.print(f"Error: {error}", markup=False)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``allyshore`` script (``argv`` None: the process's own arguments)."""
    try:
        _run(list(argv) if argv is not None else sys.argv[1:])
    finally:
        if argv is None:
            # The process exits next: move every object to the permanent generation, so that the interpreter's
            # final garbage-collection passes do not walk the whole of polars, numpy and pydantic (~0.1 s).
            gc.freeze()


def _run(args: list[str]) -> None:
    _register(args)
    command = typer.main.get_command(app)
    click_errors = _click_exceptions()  # Exit and Abort are Typer's own where Typer vendors click
    try:
        result = command.main(args=args, prog_name="allyshore", standalone_mode=False)
    except (getattr(click_errors, "Exit", typer.Exit), typer.Exit) as exc:
        sys.exit(exc.exit_code)
    except (getattr(click_errors, "Abort", typer.Abort), typer.Abort):
        _common.err_console.print("Aborted.")
        sys.exit(130)
    except (click_errors.ClickException, typer.TyperException) as exc:
        # Typer may vendor its own copy of click: both kinds carry show() and exit_code.
        exc.show()  # type: ignore[union-attr]
        sys.exit(getattr(exc, "exit_code", 2))
    except AllyshoreError as exc:
        report_error(exc)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    sys.exit(result if isinstance(result, int) else 0)
