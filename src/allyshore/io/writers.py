"""Write a network as a folder of CSV files, an XLSX workbook or one JSON document.

Every writer writes to a temporary path and renames it into place, so a failure
never leaves a half-written file behind. An optional column that an analysis reads
(``Column.used_by``) is written only when some row fills it: reading fills it back
as blank, so nothing is lost and a network that does not use it keeps its shape.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl

from allyshore.errors import InputError
from allyshore.model.network import Network
from allyshore.model.schema import FORMAT_VERSION, TABLES


@contextmanager
def atomic_path(target: Path, directory: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; move it onto ``target`` only on success."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if directory:
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    else:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        os.close(fd)
        tmp = Path(name)
    try:
        yield tmp
        if directory and target.exists():
            backup = target.with_name(f".{target.name}.old")
            shutil.rmtree(backup, ignore_errors=True)
            target.rename(backup)
            tmp.rename(target)
            shutil.rmtree(backup, ignore_errors=True)
        else:
            os.replace(tmp, target)
    except BaseException:
        if tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            tmp.unlink(missing_ok=True)
        raise


def columns_to_write(table: str, frame: pl.DataFrame) -> list[str]:
    """The columns of ``frame`` to write: all but the analysis-only columns left blank in every row."""
    spec = TABLES[table]
    blank = {
        c.name
        for c in spec.columns
        if c.used_by and c.name in frame.columns and frame.get_column(c.name).null_count() == frame.height
    }
    return [c for c in frame.columns if c not in blank]


def _write_json(network: Network, path: Path) -> None:
    document: dict[str, object] = {"format_version": FORMAT_VERSION, "name": network.name}
    if network.description:
        document["description"] = network.description
    document.update(network.to_dict())
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _write_csv(network: Network, path: Path) -> None:
    if path.exists() and not path.is_dir():
        raise InputError(f"{path}: exists and is not a folder; a CSV network is a folder of CSV files")
    with atomic_path(path, directory=True) as tmp:
        for name in TABLES:
            frame = network.tables[name]
            frame.select(columns_to_write(name, frame)).write_csv(tmp / f"{name}.csv", float_precision=None)


def _write_xlsx(network: Network, path: Path) -> None:
    from allyshore.io.workbook import write_workbook

    with atomic_path(path) as tmp:
        write_workbook(network, tmp)


def write_network(network: Network, path: str | Path) -> Path:
    """Write ``network`` to ``path``; the format follows the suffix (.json, .xlsx, else a CSV folder)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".json":
        _write_json(network, path)
    elif suffix in (".xlsx", ".xlsm"):
        _write_xlsx(network, path)
    elif suffix in ("", ".csv") or path.is_dir():
        _write_csv(network, path)
    else:
        raise InputError(f"{path}: unknown network format '{suffix}' (use a folder name, .xlsx or .json)")
    return path
