"""Text cells a spreadsheet would run as a formula, written safely in CSV and read back as they were.

A spreadsheet opening a CSV file runs a cell that starts with ``=``, ``+``, ``-`` or ``@``
(and some a tab or carriage return before one) as a formula: ``=cmd|' /C calc'!A0``,
``@SUM(A1:A9)``, ``+1+1`` (OWASP, "CSV Injection"). Every CSV file allyshore writes
therefore prefixes such a *text* cell with one apostrophe, which spreadsheets show as
text and do not run, and allyshore's CSV reader takes the apostrophe off again:

- only text columns are touched: a number column (``-3.5`` in a float column) stays a
  number, and a text cell that is exactly a number (``-3.5``, ``+7``, ``1e-3``) is left
  as it is too, since a spreadsheet reads it as that number and runs nothing;
- a text cell that already starts with apostrophes before one of those characters
  (``'=x``) gets one more, so reading gives back exactly what was written; one that
  starts with an apostrophe before anything else (``'tis``) is not touched;
- column names are treated like cells.

So :func:`restore_formula_text` undoes :func:`neutralize_formulas` exactly; in a CSV
file written by hand, a leading apostrophe before ``= + - @`` is read as a spreadsheet
reads it (text marker, not part of the value).
"""

from __future__ import annotations

import re

import polars as pl

__all__ = ["FORMULA_START", "neutralize_formulas", "restore_cell", "restore_formula_text"]

FORMULA_START = "=+-@\t\r"
_CLASS = "[=+\\-@\\t\\r]"
_NEEDS_QUOTE = f"^'*{_CLASS}"  # formula start, after any apostrophes already there
_QUOTED = f"^'+{_CLASS}"  # what neutralize_formulas wrote
_NUMBER = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"
_NEEDS_QUOTE_RE = re.compile(_NEEDS_QUOTE)
_QUOTED_RE = re.compile(_QUOTED)
_NUMBER_RE = re.compile(_NUMBER)


def _quote_name(name: str) -> str:
    return "'" + name if _NEEDS_QUOTE_RE.match(name) and not _NUMBER_RE.match(name) else name


def restore_cell(text: str) -> str:
    """One cell (or column name) as :func:`restore_formula_text` gives it back."""
    return text[1:] if _QUOTED_RE.match(text) else text


def neutralize_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with every text cell (and column name) a spreadsheet would run as a formula prefixed by ``'``."""
    text = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    out = frame
    if text:
        out = frame.with_columns(
            pl.when(pl.col(c).str.contains(_NEEDS_QUOTE) & ~pl.col(c).str.contains(_NUMBER))
            .then(pl.lit("'") + pl.col(c))
            .otherwise(pl.col(c))
            .alias(c)
            for c in text
        )
    renamed = {c: _quote_name(c) for c in out.columns if _quote_name(c) != c}
    return out.rename(renamed) if renamed else out


def restore_formula_text(frame: pl.DataFrame) -> pl.DataFrame:
    """Undo :func:`neutralize_formulas` on a frame read from CSV as text: one leading ``'`` comes off every cell
    (and column name) where it stands before ``= + - @``, a tab or a carriage return."""
    text = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    out = frame
    if text:
        out = frame.with_columns(
            pl.when(pl.col(c).str.contains(_QUOTED)).then(pl.col(c).str.slice(1)).otherwise(pl.col(c)).alias(c)
            for c in text
        )
    renamed = {c: restore_cell(c) for c in out.columns if restore_cell(c) != c}
    return out.rename(renamed) if renamed else out
