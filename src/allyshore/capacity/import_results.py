"""The results of ``allyshore capacity import | download | editions``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from allyshore.errors import Problem
from allyshore.results import Result, flat_frame, jsonable

__all__ = ["EditionsResult", "ImportResult", "SourceRead"]


@dataclass(frozen=True)
class SourceRead(Result):
    """One file of an import: its format, the CSV member of a ZIP, the encoding detected, its SHA-256, and
    how many rows it gave (``rows_read`` before checks; ``rows`` kept)."""

    file: str
    file_format: str
    member: str | None
    encoding: str
    sha256: str
    rows_read: int
    rows: int


@dataclass(frozen=True)
class ImportResult(Result):
    """An import of DENUE file(s) as one edition.

    ``rows`` establishments were stored, ``skipped_rows`` were bad and left out (only with
    ``--skip-bad-rows``; ``problems`` lists the first of them and ``problem_count`` counts every problem),
    ``filtered_rows`` were outside the ``--sector`` filter. ``already_imported`` is true when a file with
    this hash had been imported before and nothing was done (``--force`` imports it again)."""

    edition_id: str
    file_hash: str
    encoding: str
    sources: tuple[SourceRead, ...]
    rows: int
    skipped_rows: int
    filtered_rows: int
    problem_count: int
    problems: tuple[Problem, ...]
    rows_by_state: dict[str, int]
    edition_date: str | None
    open_band_high: int | None
    open_band_method: str
    contacts_dropped: tuple[str, ...]
    data_path: str
    current: bool
    already_imported: bool
    seconds: float

    def frames(self) -> dict[str, pl.DataFrame]:
        summary = {k: v for k, v in self.to_dict().items() if k not in ("sources", "problems", "rows_by_state")}
        frames = {"summary": flat_frame([summary]), "sources": flat_frame([jsonable(s) for s in self.sources])}
        if self.rows_by_state:
            frames["states"] = pl.DataFrame(
                {"state": list(self.rows_by_state), "rows": list(self.rows_by_state.values())}
            )
        if self.problems:
            frames["problems"] = flat_frame([p.to_dict() for p in self.problems])
        return frames


@dataclass(frozen=True)
class EditionsResult(Result):
    """The DENUE editions recorded in the store, oldest first; ``current`` is the edition the data
    directory's pointer names (None when none)."""

    data_dir: str
    current: str | None
    editions: tuple[dict[str, Any], ...]
