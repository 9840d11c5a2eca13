"""Read the establishments of the DENUE edition in use, in the columns of :mod:`allyshore.capacity.schema`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import polars as pl

from allyshore.capacity.schema import ESTABLISHMENT_COLUMNS, data_dir, editions_root
from allyshore.errors import InputError


class NoEditionError(InputError):
    """No DENUE edition has been imported into the data directory."""


def current_edition(data: str | Path | None = None) -> Path:
    """The folder of the edition in use; :class:`NoEditionError` when none was imported."""
    root = editions_root(data_dir(data))
    pointer = root / "CURRENT"
    if not pointer.is_file():
        raise NoEditionError(
            f"no DENUE edition imported in {root.parent}: run `allyshore capacity import FILE` "
            "(or set --data-dir / $ALLYSHORE_DATA_DIR to the folder that has one)"
        )
    return root / "editions" / pointer.read_text(encoding="utf-8").strip()


def scan_establishments(
    data: str | Path | None = None,
    *,
    states: Sequence[str] | None = None,
    columns: Sequence[str] | None = None,
) -> pl.LazyFrame:
    """A lazy frame of the edition in use, optionally only some states (2-digit codes) and columns."""
    folder = current_edition(data)
    frame = pl.scan_parquet(folder / "**" / "*.parquet", hive_partitioning=False)
    if states is not None:
        frame = frame.filter(pl.col("state").is_in(list(states)))
    wanted = list(columns) if columns is not None else list(ESTABLISHMENT_COLUMNS)
    return frame.select(wanted)
