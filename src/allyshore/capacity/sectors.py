"""Named sectors of the capacity map: each a list of SCIAN code prefixes.

The shipped sectors (``data/capacity/sectors.toml``) are those of the project's seeds: automotive (SCIAN
3361-3363), aerospace (3364), electronics (334), electrical equipment (335), medical devices (3391), plastics
and rubber (326), metal products (332) and textiles/apparel for PPE (313-315). A user's TOML file of the
same form adds sectors (one of the same name replaces the shipped one)::

    [sectors.cable-harness]
    title = "Wiring harnesses and insulated cable"
    scian = ["335920", "336320"]

A prefix is 2 to 6 digits of text; ``"3361-3363"`` is short for 3361, 3362 and 3363.

>>> sector = load_sectors()["automotive"]
>>> sector.prefixes
('3361', '3362', '3363')
>>> sector.matches("336390"), sector.matches("336411")
(True, False)
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from allyshore.errors import InputError

_PREFIX = re.compile(r"^\d{2,6}$")
_RANGE = re.compile(r"^(\d{2,6})-(\d{2,6})$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
SHIPPED = "data/capacity/sectors.toml (shipped)"


class SectorError(InputError):
    """A sectors file is malformed: names the file, the key and the fix."""


@dataclass(frozen=True)
class Sector:
    """A named group of SCIAN activities: the codes that start with one of ``prefixes``."""

    name: str
    title: str
    prefixes: tuple[str, ...]
    source: str = SHIPPED

    def matches(self, scian: str) -> bool:
        """Whether a SCIAN code belongs to the sector."""
        return any(scian.startswith(p) for p in self.prefixes)


def expand(entry: str, where: str) -> list[str]:
    """The prefixes of one entry of a ``scian`` list: a prefix, or a range of prefixes of one length.

    >>> expand("313-315", "x")
    ['313', '314', '315']
    """
    if _PREFIX.match(entry):
        return [entry]
    found = _RANGE.match(entry)
    if found is None:
        raise SectorError(
            f"{where}: '{entry}' is not a SCIAN prefix; give 2 to 6 digits as text (e.g. \"3391\") "
            'or a range of codes of one length (e.g. "3361-3363")'
        )
    first, last = found.groups()
    if len(first) != len(last) or int(first) > int(last):
        raise SectorError(
            f"{where}: the range '{entry}' must run upward between codes of the same length (e.g. \"3361-3363\")"
        )
    return [str(code).zfill(len(first)) for code in range(int(first), int(last) + 1)]


def sectors_from_dict(data: Mapping[str, Any], source: str) -> dict[str, Sector]:
    """The sectors of a parsed sectors file; :class:`SectorError` naming ``source`` and the key at fault."""
    unknown = sorted(set(data) - {"sectors"})
    if unknown:
        raise SectorError(
            f"{source}: unknown top-level key(s) {', '.join(unknown)}; the file holds only [sectors.NAME] tables"
        )
    tables = data.get("sectors")
    if not isinstance(tables, Mapping) or not tables:
        raise SectorError(
            f"{source}: no [sectors.NAME] table; write e.g. [sectors.medical] with scian = [\"3391\"]"
        )
    out: dict[str, Sector] = {}
    for name, table in tables.items():
        where = f"{source}: sectors.{name}"
        if not _NAME.match(name):
            raise SectorError(f"{where}: a sector name is lower-case letters, digits, '-' and '_' (e.g. 'medical-devices')")
        if not isinstance(table, Mapping):
            raise SectorError(f"{where}: must be a table with a scian list, e.g. [sectors.{name}] scian = [\"3391\"]")
        extra = sorted(set(table) - {"title", "scian"})
        if extra:
            raise SectorError(f"{where}: unknown key(s) {', '.join(extra)}; a sector has only 'title' and 'scian'")
        codes = table.get("scian")
        if not isinstance(codes, list) or not codes:
            raise SectorError(f"{where}.scian: give a non-empty list of SCIAN prefixes as text, e.g. scian = [\"3391\"]")
        prefixes: list[str] = []
        for index, entry in enumerate(codes):
            if not isinstance(entry, str):
                raise SectorError(
                    f"{where}.scian[{index}]: {entry!r} is not text; quote the code (\"{entry}\") so leading digits stay"
                )
            prefixes.extend(expand(entry.strip(), f"{where}.scian[{index}]"))
        title = table.get("title", name)
        if not isinstance(title, str):
            raise SectorError(f"{where}.title: must be text")
        out[name] = Sector(name, title, tuple(dict.fromkeys(prefixes)), source)
    return out


def read_sectors_file(path: str | Path) -> dict[str, Sector]:
    """The sectors of a user's TOML file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SectorError(f"{path}: no such sectors file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SectorError(f"{path}: cannot be read as UTF-8 text ({exc})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SectorError(f"{path}: not valid TOML: {exc}") from None
    return sectors_from_dict(data, str(path))


def load_sectors(user_file: str | Path | None = None) -> dict[str, Sector]:
    """The shipped sectors, with those of ``user_file`` added (a user's sector replaces a shipped one of its name)."""
    text = resources.files("allyshore").joinpath("data", "capacity", "sectors.toml").read_text(encoding="utf-8")
    sectors = sectors_from_dict(tomllib.loads(text), SHIPPED)
    if user_file is not None:
        sectors.update(read_sectors_file(user_file))
    return sectors


def find_sector(name: str, user_file: str | Path | None = None) -> Sector:
    """The sector called ``name``; :class:`SectorError` listing the known names when there is none."""
    sectors = load_sectors(user_file)
    if name not in sectors:
        raise SectorError(
            f"no sector '{name}'; known sectors: {', '.join(sorted(sectors))} "
            "(define your own in a TOML file given with --sectors)"
        )
    return sectors[name]
