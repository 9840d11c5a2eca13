"""Import DENUE files as one edition: Parquet partitioned by state, written atomically, recorded in the store.

The files are streamed batch by batch (:func:`allyshore.capacity.denue_read.iter_batches`); each batch is
mapped and checked (:mod:`allyshore.capacity.denue_validate`) and its rows appended to one Parquet file per
state, ``DATA/denue/editions/<edition>/state=XX/part-0.parquet``. Memory holds one batch and the hashes of
the keys seen, not the file.

Atomicity: the edition is written into a temporary folder beside its final place and renamed only when
every row has been read and checked; then, in one store transaction, the editions row is added and the
pointer file ``DATA/denue/CURRENT`` is replaced (write to a temporary file, ``os.replace``). Any failure
before that leaves the previous edition in use and no partial folder behind.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from allyshore.capacity.denue_read import BLOCK_SIZE, CONTACT_FIELDS, DenueSource, iter_batches, open_source
from allyshore.capacity.denue_validate import (
    OPEN_BAND_ALPHA,
    OPEN_BAND_HIGH,
    OPEN_BAND_QUANTILE,
    SeenKeys,
    drop_duplicates,
    to_establishments,
)
from allyshore.capacity.import_results import EditionsResult, ImportResult, SourceRead
from allyshore.capacity.schema import ESTABLISHMENT_COLUMNS, data_dir, editions_root
from allyshore.conventions import Progress
from allyshore.errors import InputError, Problem, ValidationError
from allyshore.io.atomic import TEMP_SUFFIX, atomic_path, atomic_write_bytes, remove_stale_temps

__all__ = ["DenueValidationError", "import_denue", "list_editions", "parse_sectors"]

#: Problems listed in an error or a result (all are counted).
MAX_PROBLEMS: Final = 20
OPEN_BAND_METHOD: Final = (
    f"open stratum '251 y más' bounded at {OPEN_BAND_HIGH}: the {OPEN_BAND_QUANTILE:.0%} quantile of a Pareto "
    f"tail above 251 with shape {OPEN_BAND_ALPHA} (Axtell 2001); an assumption (docs/capacity.md)"
)
CONTACTS_DROPPED: Final = ("telefono", "correoelec", "www")

_ARROW_TYPES: Final = {
    "String": pa.string(),
    "Int8": pa.int8(),
    "Int32": pa.int32(),
    "Boolean": pa.bool_(),
    "Float64": pa.float64(),
}
SCHEMA: Final = pa.schema([(name, _ARROW_TYPES[kind]) for name, (kind, _) in ESTABLISHMENT_COLUMNS.items()])

assert {"telefono", "correoelec", "www"} <= CONTACT_FIELDS


class DenueValidationError(ValidationError):
    """Rows of a DENUE file fail the checks; ``count`` counts them all, ``problems`` holds the first."""

    def __init__(self, problems: Sequence[Problem], count: int) -> None:
        self.count = count
        more = count - len(problems)
        shown = list(problems)
        if more > 0:
            shown.append(Problem("denue", f"... and {more} more problem(s)"))
        shown.append(
            Problem(
                "denue",
                "nothing was imported; the edition in use is unchanged",
                hint="fix the rows, or import with --skip-bad-rows to leave them out (they are counted and reported)",
            )
        )
        super().__init__(shown, what="DENUE file(s)")


def parse_sectors(text: str | None) -> tuple[str, ...] | None:
    """SCIAN code prefixes from a sector option: ``31-33`` -> 31, 32, 33; ``336,3391`` -> 336, 3391.

    >>> parse_sectors("31-33")
    ('31', '32', '33')
    >>> parse_sectors("48-49,336")
    ('48', '49', '336')
    """
    if text is None or not text.strip():
        return None
    out: list[str] = []
    for part in (p.strip() for p in text.split(",")):
        first, _, last = part.partition("-")
        if not first.isdigit() or (last and (not last.isdigit() or len(last) != len(first) or last < first)):
            raise InputError(f"--sector {text!r}: give SCIAN code prefixes such as 31-33, 336 or 3391,3364")
        out.extend(str(code).zfill(len(first)) for code in range(int(first), int(last or first) + 1))
    return tuple(out)


class _StateWriters:
    """One Parquet file per state inside the temporary edition folder, appended batch by batch."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.writers: dict[str, pq.ParquetWriter] = {}
        self.rows: dict[str, int] = {}

    def write(self, kept: pl.DataFrame) -> None:
        for (state,), part in kept.partition_by("state", as_dict=True, maintain_order=False).items():
            _write_part(self, str(state), part)

    def close(self) -> None:
        for writer in self.writers.values():
            writer.close()
        self.writers.clear()


def _write_part(writers: _StateWriters, state: str, part: pl.DataFrame) -> None:
    writer = writers.writers.get(state)
    if writer is None:
        (writers.folder / f"state={state}").mkdir()
        writer = pq.ParquetWriter(writers.folder / f"state={state}" / "part-0.parquet", SCHEMA, compression="zstd", compression_level=1)
        writers.writers[state] = writer
    writer.write_table(part.select(list(ESTABLISHMENT_COLUMNS)).to_arrow().cast(SCHEMA))
    writers.rows[state] = writers.rows.get(state, 0) + part.height


def _combined_hash(sources: Sequence[DenueSource]) -> str:
    if len(sources) == 1:
        return sources[0].sha256
    return hashlib.sha256("\n".join(s.sha256 for s in sources).encode("ascii")).hexdigest()


def _estimated_bytes(source: DenueSource) -> int:
    if source.member is None:
        return source.size
    import zipfile

    with zipfile.ZipFile(source.path) as archive:
        return archive.getinfo(source.member).file_size


def import_denue(
    paths: Sequence[str | Path],
    *,
    data: str | Path | None = None,
    database_url: str | None = None,
    skip_bad_rows: bool = False,
    force: bool = False,
    sectors: Sequence[str] | None = None,
    block_size: int = BLOCK_SIZE,
    progress: Progress | None = None,
    names: Sequence[str] | None = None,
) -> ImportResult:
    """Import the DENUE ``paths`` (ZIP, CSV or API JSON) into the data directory as one new edition in use.

    Raises :class:`DenueValidationError` listing the first bad rows (file, row, column, fix) unless
    ``skip_bad_rows``; :class:`~allyshore.errors.InputError` for unreadable files. A file set already
    imported (same SHA-256) is not imported again unless ``force``. ``names`` (one per path) are recorded
    instead of the paths, e.g. the URLs of downloaded files.
    """
    from allyshore.store import open_store
    from allyshore.store.capacity_editions import CapacityEdition, find_capacity_edition, record_capacity_edition

    started = time.perf_counter()
    if not paths:
        raise InputError("no file given: name DENUE ZIP, CSV or API JSON file(s) to import")
    sources = [open_source(p) for p in paths]
    shown = [str(n) for n in names] if names is not None else [str(s.path) for s in sources]
    file_hash = _combined_hash(sources)
    encodings = sorted({s.encoding_name for s in sources})
    encoding = encodings[0] if len(encodings) == 1 else "mixed: " + ", ".join(encodings)
    root = editions_root(data_dir(data)).absolute()
    with open_store(database_url) as store:
        kept_sectors = ",".join(sectors) if sectors else None
        earlier = find_capacity_edition(store, file_hash, kept_sectors)
        here = earlier is not None and Path(earlier.data_path).parent == root / "editions"
        if earlier is not None and here and not force and Path(earlier.data_path).is_dir():
            return _already(earlier, sources, shown, root, started)
        moment = datetime.now(UTC)
        edition_id = f"{moment:%Y%m%dT%H%M%S%fZ}-{file_hash[:12]}"
        target = root / "editions" / edition_id
        _remove_stale(target.parent)
        total = sum(_estimated_bytes(s) for s in sources)
        state = _Scan(sectors=tuple(sectors) if sectors else None)
        with atomic_path(target, directory=True) as tmp:
            writers = _StateWriters(tmp)
            try:
                done = 0
                for source, name in zip(sources, shown, strict=True):
                    kept_before = state.rows
                    read_before = state.read
                    for first_row, raw in iter_batches(source, block_size):
                        state.batch(raw, first_row, name, writers, skip_bad_rows)
                        done = min(total, done + min(block_size, total))
                        if progress is not None:
                            progress(done, total)
                    state.sources.append(
                        SourceRead(
                            name, source.file_format, source.member, source.encoding_name,
                            source.sha256, state.read - read_before, state.rows - kept_before,
                        )
                    )  # fmt: skip
            finally:
                writers.close()
            if state.problem_count and not skip_bad_rows:
                raise DenueValidationError(state.problems[:MAX_PROBLEMS], state.problem_count)
            if state.rows == 0:
                raise InputError(
                    f"no establishments to import from {', '.join(shown)}"
                    + (f" in sector(s) {', '.join(sectors)}" if sectors else "")
                    + (f" ({state.skipped} bad row(s) skipped)" if state.skipped else "")
                )
            manifest = {
                "edition_id": edition_id,
                "imported_at": moment.isoformat(),
                "file_hash": file_hash,
                "sources": [s.to_dict() for s in state.sources],
                "rows": state.rows,
                "skipped_rows": state.skipped,
                "filtered_rows": state.filtered,
                "sectors": list(sectors) if sectors else None,
                "rows_by_state": dict(sorted(writers.rows.items())),
                "open_band_method": OPEN_BAND_METHOD,
                "contacts_dropped": list(CONTACTS_DROPPED),
            }
            (tmp / "edition.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
        record = CapacityEdition(
            edition_id=edition_id, imported_at=moment, source="; ".join(shown),
            file_hash=file_hash, encoding=encoding, file_format="+".join(sorted({s.file_format for s in sources})),
            rows=state.rows, skipped_rows=state.skipped, filtered_rows=state.filtered, open_band_high=OPEN_BAND_HIGH,
            edition_date=state.newest, data_path=str(target), current=True, sectors=kept_sectors,
        )  # fmt: skip
        try:
            record_capacity_edition(store, record, before_commit=lambda: _point_to(root, edition_id))
        except BaseException:
            shutil.rmtree(target, ignore_errors=True)
            raise
    return ImportResult(
        edition_id=edition_id, file_hash=file_hash, encoding=encoding, sources=tuple(state.sources),
        rows=state.rows, skipped_rows=state.skipped, filtered_rows=state.filtered,
        problem_count=state.problem_count, problems=tuple(state.problems[:MAX_PROBLEMS]),
        rows_by_state=dict(sorted(writers.rows.items())), edition_date=state.newest, open_band_high=OPEN_BAND_HIGH,
        open_band_method=OPEN_BAND_METHOD, contacts_dropped=CONTACTS_DROPPED, data_path=str(target), current=True,
        already_imported=False, seconds=round(time.perf_counter() - started, 3),
    )  # fmt: skip


_STALE: Final = re.compile(r"^\.(.+)\.\d+-[^/]*" + re.escape(TEMP_SUFFIX) + "$")


def _remove_stale(editions: Path) -> None:
    """Remove the temporary folders of imports whose process was killed (each edition has its own name, so
    :func:`~allyshore.io.atomic.atomic_path` would not find them by the new edition's)."""
    if not editions.is_dir():
        return
    for entry in editions.iterdir():
        found = _STALE.match(entry.name)
        if found is not None:
            remove_stale_temps(editions / found.group(1))


def _point_to(root: Path, edition_id: str) -> None:
    atomic_write_bytes(root / "CURRENT", f"{edition_id}\n".encode())


class _Scan:
    """The running counts of one import."""

    def __init__(self, sectors: tuple[str, ...] | None) -> None:
        self.sectors = sectors
        self.seen = SeenKeys()
        self.sources: list[SourceRead] = []
        self.problems: list[Problem] = []
        self.problem_count = 0
        self.read = 0
        self.rows = 0
        self.skipped = 0
        self.filtered = 0
        self.newest: str | None = None

    def batch(self, raw: pl.DataFrame, first_row: int, source: str, writers: _StateWriters, skip: bool) -> None:
        self.read += raw.height
        outcome = to_establishments(raw, first_row, source, self.sectors)
        checked = outcome.kept.height + outcome.bad_rows
        self.filtered += raw.height - checked
        self._note(outcome.problems, outcome.problem_count)
        kept, duplicates, count = drop_duplicates(outcome.kept, self.seen, source, MAX_PROBLEMS - len(self.problems))
        self._note(tuple(duplicates), count)
        self.skipped += outcome.bad_rows + count
        if self.problem_count and not skip:
            return  # keep reading to count every problem, write nothing more
        if kept.height:
            writers.write(kept)
            self.rows += kept.height
            newest = kept["added"].max()
            if isinstance(newest, str) and (self.newest is None or newest > self.newest):
                self.newest = newest

    def _note(self, problems: Sequence[Problem], count: int) -> None:
        self.problem_count += count
        self.problems.extend(problems[: max(0, MAX_PROBLEMS - len(self.problems))])


def _already(
    earlier: object, sources: Sequence[DenueSource], shown: Sequence[str], root: Path, started: float
) -> ImportResult:
    from allyshore.store.capacity_editions import CapacityEdition

    assert isinstance(earlier, CapacityEdition)
    return ImportResult(
        edition_id=earlier.edition_id, file_hash=earlier.file_hash, encoding=earlier.encoding,
        sources=tuple(SourceRead(name, s.file_format, s.member, s.encoding_name, s.sha256, 0, 0)
                      for s, name in zip(sources, shown, strict=True)),
        rows=earlier.rows, skipped_rows=earlier.skipped_rows, filtered_rows=earlier.filtered_rows, problem_count=0,
        problems=(), rows_by_state={}, edition_date=earlier.edition_date, open_band_high=earlier.open_band_high,
        open_band_method=OPEN_BAND_METHOD, contacts_dropped=CONTACTS_DROPPED, data_path=earlier.data_path,
        current=_current_id(root) == earlier.edition_id, already_imported=True,
        seconds=round(time.perf_counter() - started, 3),
    )  # fmt: skip


def _current_id(root: Path) -> str | None:
    pointer = root / "CURRENT"
    return pointer.read_text(encoding="utf-8").strip() if pointer.is_file() else None


def list_editions(*, data: str | Path | None = None, database_url: str | None = None) -> EditionsResult:
    """The editions the store records, with whether each one's folder is present and which is in use."""
    from allyshore.store import open_store
    from allyshore.store.capacity_editions import list_capacity_editions

    folder = data_dir(data)
    current = _current_id(editions_root(folder))
    with open_store(database_url) as store:
        editions = list_capacity_editions(store)
    rows = tuple(
        {
            "edition_id": e.edition_id,
            "imported_at": e.imported_at.isoformat(),
            "source": e.source,
            "file_hash": e.file_hash,
            "file_format": e.file_format,
            "encoding": e.encoding,
            "rows": e.rows,
            "skipped_rows": e.skipped_rows,
            "filtered_rows": e.filtered_rows,
            "edition_date": e.edition_date,
            "open_band_high": e.open_band_high,
            "sectors": e.sectors,
            "data_path": e.data_path,
            "present": Path(e.data_path).is_dir(),
            "current": e.edition_id == current,
        }
        for e in editions
    )
    return EditionsResult(data_dir=str(folder), current=current, editions=rows)
