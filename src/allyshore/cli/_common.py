"""What every command shares: the consoles, JSON output, progress, and loading a network."""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from allyshore.model.network import Network

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
DATABASE_HELP = "Store: any SQLAlchemy URL or a SQLite file (default: ./allyshore.db, or $ALLYSHORE_DATABASE_URL)."
DatabaseOption = Annotated[
    str | None, typer.Option("--database-url", envvar="ALLYSHORE_DATABASE_URL", help=DATABASE_HELP, show_envvar=False)
]


def _clean(value: Any) -> Any:
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def emit_json(payload: Any) -> None:
    """Write JSON (NaN and infinities as null) to standard output, bypassing Rich markup."""
    print(json.dumps(_clean(payload), indent=2, ensure_ascii=False, default=str))


def load(path: Path) -> Network:
    """Load a network file, or a sample by name (``sample:infusion-pump`` or a bare sample name)."""
    from allyshore.io import load_network

    text = str(path)
    if not path.exists():
        from allyshore.samples import sample_names

        name = text.removeprefix("sample:")
        if text.startswith("sample:") or name in sample_names():
            from allyshore.samples import load_sample

            return load_sample(name)
    return load_network(path)


@contextmanager
def progress(description: str, total: int | None, enabled: bool = True) -> Iterator[Any]:
    """A progress bar on standard error (silent when ``enabled`` is false or output is JSON)."""
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    bar = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=__getattr__("err_console"),
        transient=True,
        disable=not enabled,
    )
    with bar:
        task = bar.add_task(description, total=total)

        def advance(step: int = 1) -> None:
            bar.advance(task, step)

        yield advance
