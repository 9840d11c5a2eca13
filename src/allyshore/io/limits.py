"""Bounds on what a reader of a network accepts: file size, zip entries, unpacked size, nesting, columns.

Every reader checks its input against a :class:`ReadLimits` before parsing it, so a hostile file
(a zip bomb, JSON nested a hundred thousand levels deep, a header of a million columns) ends in a
clear :class:`~allyshore.errors.InputError` in bounded time and memory instead of a hang, a crash
or gigabytes of memory. The defaults fit networks of millions of rows; each can be raised by a
keyword argument of :func:`allyshore.io.load_network` (``limits=ReadLimits(...)``) or by an
environment variable:

=============================== ========================================== =========
variable                        bound                                       default
=============================== ========================================== =========
``ALLYSHORE_MAX_FILE_MB``       size of one input file (a CSV, the .xlsx,   512
                                the .json, the .zip)
``ALLYSHORE_MAX_UNPACKED_MB``   total unpacked size of an .xlsx or .zip     1024
``ALLYSHORE_MAX_ZIP_RATIO``     unpacked / packed size of one entry above   100
                                1 MB
``ALLYSHORE_MAX_ZIP_ENTRIES``   entries in an .xlsx or .zip                 10000
``ALLYSHORE_MAX_JSON_DEPTH``    nesting of arrays and objects in a JSON     64
                                document
``ALLYSHORE_MAX_COLUMNS``       columns of one table                        1000
=============================== ========================================== =========
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass, fields
from pathlib import Path

from allyshore.errors import InputError

__all__ = ["ReadLimits", "check_file_size", "check_zip"]

_MB = 1024 * 1024
#: Entries smaller than this (unpacked) may have any compression ratio: a small styles part compresses well.
_RATIO_FLOOR = _MB

_ENV: dict[str, tuple[str, int]] = {  # field -> (variable, multiplier)
    "max_file_bytes": ("ALLYSHORE_MAX_FILE_MB", _MB),
    "max_unpacked_bytes": ("ALLYSHORE_MAX_UNPACKED_MB", _MB),
    "max_zip_ratio": ("ALLYSHORE_MAX_ZIP_RATIO", 1),
    "max_zip_entries": ("ALLYSHORE_MAX_ZIP_ENTRIES", 1),
    "max_json_depth": ("ALLYSHORE_MAX_JSON_DEPTH", 1),
    "max_columns": ("ALLYSHORE_MAX_COLUMNS", 1),
}


@dataclass(frozen=True)
class ReadLimits:
    """The bounds a reader enforces (see the module doc); :meth:`from_env` reads them from the environment."""

    max_file_bytes: int = 512 * _MB
    max_unpacked_bytes: int = 1024 * _MB
    max_zip_ratio: int = 100
    max_zip_entries: int = 10_000
    max_json_depth: int = 64
    max_columns: int = 1000

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> ReadLimits:
        """The defaults, each replaced by its environment variable when set (a whole number; MB for sizes)."""
        env = os.environ if environ is None else environ
        values: dict[str, int] = {}
        for f in fields(cls):
            variable, scale = _ENV[f.name]
            text = env.get(variable, "").strip()
            if not text:
                continue
            try:
                number = int(text)
            except ValueError:
                raise InputError(f"{variable}={text!r} is not a whole number") from None
            if number <= 0:
                raise InputError(f"{variable}={text!r} must be greater than 0")
            values[f.name] = number * scale
        return cls(**values)


def _mb(size: int) -> str:
    return f"{size / _MB:.1f} MB"


def check_file_size(path: Path, limits: ReadLimits) -> None:
    """Refuse a file larger than ``limits.max_file_bytes``."""
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise InputError(
            f"{path}: the file is {_mb(size)}, above the limit of {_mb(limits.max_file_bytes)} "
            "(raise it with ALLYSHORE_MAX_FILE_MB or ReadLimits(max_file_bytes=...))"
        )


def check_zip(path: Path, limits: ReadLimits) -> None:
    """Refuse a zip container (an .xlsx or a .zip) that is not a zip file or unpacks beyond the limits.

    The sizes are those of the zip's directory; an entry that unpacks to more than its directory says fails
    its CRC check when read (``zipfile`` stops at the declared size), so the declared sizes bound the work.
    """
    check_file_size(path, limits)
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as err:
        raise InputError(f"{path}: not a valid zip container ({err})") from err
    if len(entries) > limits.max_zip_entries:
        raise InputError(
            f"{path}: {len(entries)} entries in the zip container, above the limit of {limits.max_zip_entries} "
            "(ALLYSHORE_MAX_ZIP_ENTRIES)"
        )
    total = 0
    for entry in entries:
        total += entry.file_size
        if entry.file_size > _RATIO_FLOOR and entry.file_size > limits.max_zip_ratio * max(entry.compress_size, 1):
            raise InputError(
                f"{path}: entry '{entry.filename}' unpacks {entry.file_size // max(entry.compress_size, 1)} times "
                f"its packed size, above the limit of {limits.max_zip_ratio} (a zip bomb?; ALLYSHORE_MAX_ZIP_RATIO)"
            )
    if total > limits.max_unpacked_bytes:
        raise InputError(
            f"{path}: unpacks to {_mb(total)}, above the limit of {_mb(limits.max_unpacked_bytes)} "
            "(ALLYSHORE_MAX_UNPACKED_MB)"
        )
