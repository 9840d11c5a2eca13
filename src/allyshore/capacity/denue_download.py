"""Fetch INEGI's DENUE bulk files and import them.

INEGI publishes the DENUE bulk CSV files (https://www.inegi.org.mx/app/descarga/, "Descarga masiva") as
ZIP archives under one folder, by state (all activities) or nationally by sector:

* ``https://www.inegi.org.mx/contenidos/masiva/denue/denue_{EE}_csv.zip``: state ``EE`` (01-32), every
  sector; the largest states come in parts ``denue_{EE}_1_csv.zip``, ``denue_{EE}_2_csv.zip`` ...;
* ``https://www.inegi.org.mx/contenidos/masiva/denue/denue_00_{SECTOR}_csv.zip``: the whole country, one
  sector (``31-33`` manufacturing, ``43`` wholesale, ``48-49`` transport ...).

No file per state *and* sector is published, so ``--state 19 --sector 31-33`` fetches the state's file and
keeps the sector's rows. The URL patterns are documented in docs/capacity.md with their sources.
"""

from __future__ import annotations

import shutil
import tempfile
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from allyshore.capacity.denue_import import import_denue, parse_sectors
from allyshore.capacity.import_results import ImportResult
from allyshore.capacity.schema import data_dir, editions_root
from allyshore.conventions import Progress
from allyshore.errors import InputError

__all__ = ["DEFAULT_URL_BASE", "denue_urls", "download_denue"]

DEFAULT_URL_BASE: Final = "https://www.inegi.org.mx/contenidos/masiva/denue/"
_TIMEOUT: Final = 120.0
_MAX_PARTS: Final = 9


def denue_urls(state: str | None, sector: str | None, url_base: str = DEFAULT_URL_BASE) -> list[str]:
    """The file to fetch first for a state and/or a sector (a state's parts are tried when it is missing).

    >>> denue_urls("19", "31-33")
    ['https://www.inegi.org.mx/contenidos/masiva/denue/denue_19_csv.zip']
    >>> denue_urls(None, "31-33")
    ['https://www.inegi.org.mx/contenidos/masiva/denue/denue_00_31-33_csv.zip']
    """
    base = url_base if url_base.endswith("/") else url_base + "/"
    if state is not None:
        code = state.strip().zfill(2)
        if not code.isdigit() or not 1 <= int(code) <= 32:
            raise InputError(f"--state {state!r}: give a state code 01 (Aguascalientes) to 32 (Zacatecas)")
        return [f"{base}denue_{code}_csv.zip"]
    if sector is None:
        raise InputError("give --state EE, --sector CODE (e.g. 31-33) or both")
    return [f"{base}denue_00_{sector.strip()}_csv.zip"]


def _fetch(url: str, folder: Path) -> Path | None:
    """Download ``url`` into ``folder``; None when the server says it does not exist (404)."""
    target = folder / url.rstrip("/").rsplit("/", 1)[-1]
    try:
        with urllib.request.urlopen(url, timeout=_TIMEOUT) as response, open(target, "wb") as out:
            shutil.copyfileobj(response, out, 1 << 20)
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise InputError(f"cannot download {url}: HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        raise InputError(
            f"cannot download {url}: {getattr(exc, 'reason', exc)}; without internet, download the file elsewhere "
            "and run `allyshore capacity import FILE`"
        ) from exc
    with open(target, "rb") as handle:
        if handle.read(4) != b"PK\x03\x04":
            raise InputError(
                f"{url} did not return a ZIP file (INEGI answers some missing files with an HTML page); "
                "check the state and sector codes, or download the file from https://www.inegi.org.mx/app/descarga/"
            )
    return target


def download_denue(
    *,
    state: str | None = None,
    sector: str | None = None,
    url_base: str = DEFAULT_URL_BASE,
    data: str | Path | None = None,
    database_url: str | None = None,
    skip_bad_rows: bool = False,
    force: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Fetch the DENUE file(s) for ``state`` and/or ``sector`` from ``url_base`` and import them; with both,
    only the sector's rows of the state's file are kept. The downloads go to a temporary folder in the data
    directory and are removed after the import."""
    urls = denue_urls(state, sector, url_base)
    sectors: Sequence[str] | None = parse_sectors(sector) if state is not None else None
    root = editions_root(data_dir(data))
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".download-", dir=root) as folder:
        files: list[Path] = []
        fetched: list[str] = []
        first = _fetch(urls[0], Path(folder))
        if first is not None:
            files.append(first)
            fetched.append(urls[0])
        elif state is not None:  # the largest states come in numbered parts
            stem = urls[0].removesuffix("_csv.zip")
            for part in range(1, _MAX_PARTS + 1):
                url = f"{stem}_{part}_csv.zip"
                got = _fetch(url, Path(folder))
                if got is None:
                    break
                files.append(got)
                fetched.append(url)
        if not files:
            raise InputError(f"{urls[0]}: not found (HTTP 404); check the state and sector codes")
        return import_denue(
            files, data=data, database_url=database_url, skip_bad_rows=skip_bad_rows, force=force,
            sectors=sectors, progress=progress, names=fetched,
        )  # fmt: skip
