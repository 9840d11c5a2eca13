"""What every command shares: the consoles, the options every command spells alike, output and progress.

Every command that prints a result goes through :func:`output`: ``--json`` prints
the result's JSON (:meth:`allyshore.results.Result.to_json`), ``--csv DIR`` writes
its tables (:meth:`~allyshore.results.Result.frames`) as CSV files, and otherwise
the command's Rich tables are printed. Every date is read by :func:`date_option`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    import polars as pl
    from rich.console import Console

    from allyshore.conventions import Progress
    from allyshore.cost.unknown import UnknownDuty
    from allyshore.results import Result

    console: Console
    err_console: Console

# Piped or redirected output (a log, a file) gets wide tables instead of Rich's 80-column default;
# a terminal, or COLUMNS set by the user, keeps its own width.
_PIPED_WIDTH = None if sys.stdout.isatty() or "COLUMNS" in os.environ else 160


def __getattr__(name: str) -> Any:
    """``console`` and ``err_console`` (Rich consoles on standard output and error), made on first use."""
    if name not in ("console", "err_console"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if name in globals():  # made already (a bare name inside this module does not go through here)
        return globals()[name]
    from rich.console import Console

    made = {
        "console": Console(highlight=False, width=_PIPED_WIDTH),
        "err_console": Console(stderr=True, highlight=False, width=_PIPED_WIDTH),
    }
    globals().update(made)
    return made[name]


JSON_HELP = "Print the result as JSON on standard output."
CSV_HELP = "Write the result's tables to DIR, one CSV file each, instead of printing them."
NETWORK_HELP = "Network: a CSV folder, a .zip of CSV files, an .xlsx workbook or a .json file, or a sample name."
POLICY_HELP = "Trust policy TOML file (default: the shipped US policy)."
DATABASE_HELP = "Store: any SQLAlchemy URL or a SQLite file (default: ./allyshore.db, or $ALLYSHORE_DATABASE_URL)."

DatabaseOption = Annotated[
    str | None, typer.Option("--database-url", envvar="ALLYSHORE_DATABASE_URL", help=DATABASE_HELP, show_envvar=False)
]
KEY_FILE_HELP = (
    "The store's key file (default: $ALLYSHORE_STORE_KEY_FILE, else $ALLYSHORE_STORE_KEY, else NAME.db.key beside "
    "a SQLite file); created with mode 0600 on the first save. See docs/security.md."
)
KeyFileOption = Annotated[
    Path | None, typer.Option("--key-file", envvar="ALLYSHORE_STORE_KEY_FILE", help=KEY_FILE_HELP, show_envvar=False)
]
JsonOption = Annotated[bool, typer.Option("--json", help=JSON_HELP)]
CsvOption = Annotated[Path | None, typer.Option("--csv", metavar="DIR", help=CSV_HELP)]
NetworkArgument = Annotated[Path, typer.Argument(metavar="NETWORK", help=NETWORK_HELP)]
PolicyOption = Annotated[Path | None, typer.Option("--policy", help=POLICY_HELP)]


def date_option(flag: str, help: str) -> Any:
    """A date option (``YYYY-MM-DD``). Every date of the command line is read by this one type, so that a bad
    date is the same error everywhere: exit 1 and ``Error: --as-of '2026-13-01' is not a date (YYYY-MM-DD)``."""

    def parse(text: str) -> date:
        from allyshore.conventions import as_date

        return as_date(text, name=flag)

    return typer.Option(flag, parser=parse, metavar="YYYY-MM-DD", help=help)


AsOfOption = Annotated[
    date | None, date_option("--as-of", "Date the tariff tables, fees and rules are read at (default today).")
]


def emit_json(payload: Any) -> None:
    """Write JSON (NaN and infinities as null) to standard output, bypassing Rich markup."""
    from allyshore.results import dumps

    print(dumps(payload))


def write_frames(frames: Mapping[str, pl.DataFrame], folder: Path) -> None:
    """Write each table as ``folder/NAME.csv`` (list cells joined by ';'; each file all at once; text a
    spreadsheet would run as a formula prefixed with an apostrophe, see :mod:`allyshore.io.csv_cells`) and say so."""
    from allyshore.io.atomic import atomic_path
    from allyshore.io.csv_cells import neutralize_formulas
    from allyshore.results import csv_ready

    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in frames.items():
        with atomic_path(folder / f"{name}.csv") as tmp:
            neutralize_formulas(csv_ready(frame)).write_csv(tmp)
    __getattr__("console").print(f"Wrote {', '.join(f'{n}.csv' for n in frames)} to {folder}", markup=False)


def output(result: Result, show: Callable[[], None], *, as_json: bool = False, csv_dir: Path | None = None) -> None:
    """Print ``result`` as the options ask: ``--json`` its JSON, ``--csv DIR`` its tables as CSV files, else
    ``show()`` (the command's Rich tables)."""
    if as_json:
        print(result.to_json())
    elif csv_dir is not None:
        write_frames(result.frames(), csv_dir)
    else:
        show()


def warn_unknown(unknown: Sequence[UnknownDuty]) -> None:
    """One warning line on standard error when a costing has unknown duties (counted as 0)."""
    from allyshore.cost.unknown import warning_line

    if unknown:
        __getattr__("err_console").print(warning_line(unknown), markup=False, soft_wrap=True)


@contextmanager
def progress(description: str, enabled: bool = True) -> Iterator[Progress]:
    """A progress bar on standard error driven by an analysis's ``progress(done, total)`` callback. The bar
    appears at the first call (an error found before any work is done prints cleanly) and not at all when
    ``enabled`` is false, as with ``--json``."""
    shown: list[Any] = []

    def update(done: int, total: int) -> None:
        if not enabled:
            return
        if not shown:
            shown.append(_bar(description))
            shown[0].start()
        bar, task = shown[0], shown[0].task_ids[0]
        bar.update(task, completed=done, total=total)

    try:
        yield update
    finally:
        if shown:
            shown[0].stop()


def _bar(description: str) -> Any:
    from rich.progress import BarColumn, SpinnerColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as Bar

    bar = Bar(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=__getattr__("err_console"),
        transient=True,
    )
    bar.add_task(description, total=None)
    return bar
