"""HS -> NAICS -> SCIAN: which Mexican activity classes make the goods of an HS code, with weights.

The shipped table ``data/capacity/hs6_naics.csv`` (built by ``scripts/build_hs_scian.py`` from the Congressional
Budget Office's January 2023 HTS10 -> NAICS crosswalk) gives, for each HS6 subheading and the HS8 lines of the
subheadings split among several industries, how many HS10 lines map to each 6-digit NAICS code. An item's weight
for a NAICS code is that code's share of the HS10 lines under the item's code: its HS8 lines when the item is coded
at 8 digits or more and the table has them, else its HS6 subheading, else (a 4-digit heading) every subheading
under it.

NAICS meets SCIAN on the first five digits (the industry). NAICS and SCIAN manufacturing share their industries
at five digits; the sixth digit is national and may differ (SCIAN 2018 uses ``311110`` for the whole of NAICS
``31111``, for instance), so an item matches every SCIAN class whose first five digits are the NAICS code's.
Census's aggregate codes (``31131X``, ``1123XX``) match on their digits before the ``X`` (five or four). Census's
trade-only pseudo-codes (``910000``-``990000``: low-value, used and returned goods and the like) have no producing
industry and match nothing: their share is reported, never spread over the other classes.

>>> [(c.scian, round(c.weight, 3)) for c in hs_classes("8471.30.0100").classes]
[('33411', 1.0)]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

import polars as pl

from allyshore.results import Result

#: Sectors of Census's trade-only pseudo-codes (no producing industry).
PSEUDO_SECTORS = ("91", "92", "93", "98", "99")
#: The digits a NAICS industry and a SCIAN class have in common.
COMMON_DIGITS = 5


@dataclass(frozen=True)
class MatchClass(Result):
    """A SCIAN industry (the common first digits, 5, or 4 for a Census aggregate) and its weight for an item."""

    scian: str
    weight: float
    naics: tuple[str, ...]  # the NAICS codes behind it, as the concordance spells them


@dataclass(frozen=True)
class HsClasses:
    """The classes of one HS code: the matched ones, and how the weights were found."""

    hs_code: str
    digits: str
    level: int  # HS digits the weights were read at (8, 6 or 4); 0 when the code is not in the table
    classes: tuple[MatchClass, ...]
    unmatched_share: float  # share of HS10 lines on Census trade-only pseudo-codes
    note: str = ""


@cache
def hs_naics_table() -> pl.DataFrame:
    """The shipped concordance: ``hs`` (6 or 8 digits), ``level``, ``naics``, ``lines``."""
    text = (files("allyshore") / "data" / "capacity" / "hs6_naics.csv").read_bytes()
    return pl.read_csv(
        text, schema_overrides={"hs": pl.String, "naics": pl.String, "level": pl.Int64, "lines": pl.Int64}
    ).select("hs", "level", "naics", "lines")


def hs_digits(hs_code: str | None) -> str:
    """The digits of an HS code (dots and spaces dropped); '' when none."""
    return re.sub(r"[^0-9]", "", hs_code or "")


def scian_key(naics: str) -> str | None:
    """The SCIAN prefix a NAICS code matches: its first five digits (the digits before an ``X``); None for a
    trade-only pseudo-code."""
    if naics[:2] in PSEUDO_SECTORS:
        return None
    return naics.split("X", 1)[0][:COMMON_DIGITS]


@cache
def _by_code() -> dict[tuple[int, str], pl.DataFrame]:
    """The table's rows of each (level, HS code)."""
    return {
        (int(level), str(hs)): rows.select("naics", "lines")
        for (level, hs), rows in hs_naics_table().group_by("level", "hs")
    }


def naics_weights(hs_code: str | None) -> tuple[int, pl.DataFrame]:
    """The NAICS codes of an HS code with weights summing to 1 (``naics``, ``lines``, ``weight``), and the HS
    digits they were read at (0 and an empty frame when the code is not in the table)."""
    digits = hs_digits(hs_code)
    table = hs_naics_table()
    rows = pl.DataFrame(schema={"naics": pl.String, "lines": pl.Int64})
    level = 0
    for digits_at in (8, 6):
        if not rows.height and len(digits) >= digits_at:
            rows = _by_code().get((digits_at, digits[:digits_at]), rows)
            level = digits_at if rows.height else 0
    if not rows.height and len(digits) == 4:
        rows = (
            table.filter((pl.col("level") == 6) & pl.col("hs").str.starts_with(digits))
            .group_by("naics")
            .agg(pl.col("lines").sum())
        )
        level = 4 if rows.height else 0
    rows = rows.sort("lines", "naics", descending=[True, False])
    return level, rows.with_columns(weight=pl.col("lines") / pl.col("lines").sum())


@cache
def hs_classes(hs_code: str | None) -> HsClasses:
    """The SCIAN industries of an HS code with their weights (see the module's docstring), heaviest first."""
    digits = hs_digits(hs_code)
    text = hs_code or ""
    if not digits:
        return HsClasses(text, digits, 0, (), 0.0, "no HS code: give the item an hs_code to match it")
    if len(digits) not in (4, 6, 8, 10):
        return HsClasses(text, digits, 0, (), 0.0, f"HS code {text!r} has {len(digits)} digits (4, 6, 8 or 10)")
    level, rows = naics_weights(digits)
    if not rows.height:
        return HsClasses(
            text,
            digits,
            0,
            (),
            0.0,
            f"HS code {text!r} is not in the HS-NAICS concordance (HTS10 lines of January 2023): a newer or "
            "mistyped code; give its HS6 subheading as of HS 2022",
        )
    grouped: dict[str, tuple[float, list[str]]] = {}
    unmatched = 0.0
    for naics, weight in zip(rows.get_column("naics"), rows.get_column("weight"), strict=True):
        key = scian_key(naics)
        if key is None:
            unmatched += weight
            continue
        total, codes = grouped.get(key, (0.0, []))
        grouped[key] = (total + weight, [*codes, naics])
    classes = tuple(
        MatchClass(key, weight, tuple(codes))
        for key, (weight, codes) in sorted(grouped.items(), key=lambda kv: (-kv[1][0], kv[0]))
    )
    note = ""
    if unmatched:
        note = (
            f"{unmatched:.0%} of the HS10 lines under {text} map to Census trade-only codes (910000-990000) with "
            "no producing industry"
        )
    if not classes:
        note = note + ": no SCIAN class to match"
    return HsClasses(text, digits, level, classes, unmatched, note)
