"""Text tables from the bytes of a CSV file or the rows of a sheet: encodings, delimiters, headers, the notes row.

Rules (the network format, README "Reading a network"):

* **Encoding.** UTF-8 (with or without a byte-order mark) is read silently. UTF-16 and UTF-32 (with a
  byte-order mark, or UTF-16 without one when every other byte is zero) are read with a warning naming
  the encoding. A file that is not UTF-8 and holds no UTF-8 sequence at all is read as Windows-1252
  (cp1252; Latin-1 for the five bytes cp1252 leaves undefined) with a warning; a file that mixes UTF-8
  with bytes that are not UTF-8 is refused at the line of the first bad byte. Nothing is decoded with
  replacement characters.
* **Line endings.** LF, CRLF and CR-only all end a row.
* **Delimiter.** The comma; a header with no comma but semicolons, tabs or bars is read with that
  delimiter and a warning. A row with more fields than the header is refused at its row.
* **Header.** The first non-blank row. Column names are compared after stripping spaces, byte-order
  marks and zero-width characters, ignoring case (and Unicode compatibility forms): two names equal
  that way are refused. Data under a column with no name is ignored with a warning.
* **Notes row.** The first row under the header is a notes row, skipped, when every filled cell
  starts with ``# `` (a hash and a space); a warning names it unless it is exactly the notes row the
  template writes. No other row is ever skipped except blank ones; a cell like ``#12`` is data.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence

import numpy as np
import polars as pl

from allyshore.errors import Problem
from allyshore.io.csv_cells import restore_cell, restore_formula_text
from allyshore.model.parse import RawTable, clean_text, normalised_name
from allyshore.model.schema import TABLES

__all__ = ["NOTE_PREFIX", "decode_text", "normalised_name", "table_from_csv", "table_from_rows"]

#: The start of every cell of the notes row under the header (the template writes "# required. ...").
NOTE_PREFIX = "# "
_DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "bar"}
_INVISIBLE = re.compile("[\ufeff\u200b\u200c\u200d\u2060]")
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _clean_name(name: str | None) -> str:
    return _INVISIBLE.sub("", name or "").strip()


def _line_of(data: bytes, offset: int) -> int:
    breaks = data.count(b"\n", 0, offset)
    return (breaks if breaks or b"\n" in data else data.count(b"\r", 0, offset)) + 1


def decode_text(data: bytes, table: str, source: str, problems: list[Problem]) -> str | None:
    """The text of a file, or None with a located problem; a warning names any encoding but UTF-8."""

    def refuse(message: str, row: int | None = None) -> None:
        problems.append(Problem(table, message, row=row, source=source, hint="save the file as UTF-8 text"))

    def note(encoding: str, extra: str = "") -> None:
        problems.append(
            Problem(
                table,
                f"read as {encoding}, not UTF-8{extra}",
                source=source,
                severity="warning",
                hint="check accented letters; save the file as UTF-8 to remove this warning",
            )
        )

    boms = (
        (b"\xef\xbb\xbf", "utf-8-sig", None),
        (b"\xff\xfe\x00\x00", "utf-32", "UTF-32"),
        (b"\x00\x00\xfe\xff", "utf-32", "UTF-32"),
        (b"\xff\xfe", "utf-16", "UTF-16"),
        (b"\xfe\xff", "utf-16", "UTF-16"),
    )
    encoding: str | None = None
    label: str | None = None
    for bom, codec, name in boms:
        if data.startswith(bom):
            encoding, label = codec, name
            break
    if encoding is None and b"\x00" in data:
        head = data[:4096]
        odd, even = head[1::2].count(0), head[0::2].count(0)
        if len(data) % 2 == 0 and odd > 0.4 * len(head) / 2 and odd > 4 * even:
            encoding, label = "utf-16-le", "UTF-16 (little-endian, no byte-order mark)"
        elif len(data) % 2 == 0 and even > 0.4 * len(head) / 2 and even > 4 * odd:
            encoding, label = "utf-16-be", "UTF-16 (big-endian, no byte-order mark)"
        else:
            refuse(f"the file holds NUL bytes at line {_line_of(data, data.index(0))}: it is not a text file")
            return None
    if encoding is not None:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as err:
            refuse(f"not valid {label or 'UTF-8'}: bad bytes at byte {err.start} ({err.reason})")
            return None
        if label is not None:
            note(label)
        return _no_nul(text, table, source, problems)
    try:
        return _no_nul(data.decode("utf-8"), table, source, problems)
    except UnicodeDecodeError as err:
        if _UTF8_MULTIBYTE.search(data):
            refuse(
                f"not valid UTF-8: byte 0x{data[err.start]:02x} at line {_line_of(data, err.start)} is not UTF-8, "
                "though other letters are (a file pasted together from two encodings?)",
                row=_line_of(data, err.start),
            )
            return None
    try:
        text, label = data.decode("cp1252"), "Windows-1252 (cp1252)"
    except UnicodeDecodeError:
        text, label = data.decode("latin-1"), "Latin-1 (ISO-8859-1)"
    sample = re.search(r"\w*[^\x00-\x7f]\w*", text)
    note(label, f" (e.g. '{sample.group(0)[:40]}')" if sample else "")
    return _no_nul(text, table, source, problems)


def _no_nul(text: str, table: str, source: str, problems: list[Problem]) -> str | None:
    if "\x00" in text:
        problems.append(
            Problem(table, "the text holds NUL characters: not a text file", source=source, hint="save it as CSV")
        )
        return None
    return text


def _split_header(line: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return line.split(delimiter)


def _choose_delimiter(line: str, known: Sequence[str]) -> str:
    """The delimiter that splits the header into the most known column names (then the most fields)."""
    best, score = ",", (-1, -1)
    for delimiter in _DELIMITERS:
        names = _split_header(line, delimiter)
        current = (sum(_clean_name(n) in known for n in names), len(names))
        if current > score:
            best, score = delimiter, current
    return best


def table_from_csv(
    text: str, table: str, source: str, known: Sequence[str], problems: list[Problem], max_columns: int
) -> RawTable | None:
    """A text table from the decoded text of a CSV file; None (with a located problem) when it cannot be read."""
    if "\n" not in text and "\r" in text:
        text = text.replace("\r", "\n")  # CR-only line endings (old Mac)
    skipped = len(text) - len(text.lstrip("\r\n"))
    offset = text.count("\n", 0, skipped)  # blank lines above the header
    text = text[skipped:]
    if not text.strip():
        return RawTable(table, source, pl.DataFrame(), ())
    first = text.split("\n", 1)[0].rstrip("\r")
    delimiter = _choose_delimiter(first, known) if "," not in first else ","
    if delimiter != ",":
        problems.append(
            Problem(
                table,
                f"read as {_DELIMITERS[delimiter]}-separated (the header has no comma)",
                row=1 + offset,
                source=source,
                severity="warning",
                hint="numbers must still use a decimal point (12.5, not 12,5)",
            )
        )
    data = text.encode("utf-8")
    try:
        frame = pl.read_csv(
            io.BytesIO(data),
            has_header=False,
            separator=delimiter,
            infer_schema=False,
            truncate_ragged_lines=False,
            raise_if_empty=False,
        )
    except (pl.exceptions.PolarsError, pl.exceptions.PanicException, ValueError) as err:
        _report_ragged(text, delimiter, table, source, offset, problems, err)
        return None
    lines = _record_lines(data) + offset
    if len(lines) == frame.height:
        header = list(frame.row(0)) if frame.height else []
        body, rows, header_row = frame.slice(1), lines[1:].tolist(), int(lines[0]) if len(lines) else 1
    else:  # quotes the line scan cannot follow: the csv module gives each record's line
        parsed = _parse_slowly(text, delimiter, table, source, offset, problems)
        if parsed is None:
            return None
        header, body, rows, header_row = parsed
    # A CSV cell written with an apostrophe before a formula-like start reads back as written (io.csv_cells); a
    # workbook's cells are text as they stand, so this is for CSV only.
    header = [None if h is None else restore_cell(h) for h in header]
    body = restore_formula_text(body)
    return table_from_rows(table, source, header, body, rows, problems, max_columns, header_row=header_row)


def _parse_slowly(
    text: str, delimiter: str, table: str, source: str, offset: int, problems: list[Problem]
) -> tuple[list[object], pl.DataFrame, list[int], int] | None:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[list[str]] = []
    starts: list[int] = []
    start = 1
    try:
        for record in reader:
            records.append(record)
            starts.append(start + offset)
            start = reader.line_num + 1
    except csv.Error as bad:
        problems.append(
            Problem(table, f"cannot read CSV: {bad}", row=reader.line_num + offset, source=source, hint=_CSV_HINT)
        )
        return None
    if not records:
        return [], pl.DataFrame(), [], 1
    width = len(records[0])
    long = [i for i, r in enumerate(records) if len(r) > width]
    if long:
        _report_ragged(text, delimiter, table, source, offset, problems, None)
        return None
    columns = {f"_{j}": [r[j] if j < len(r) else None for r in records[1:]] for j in range(width)}
    body = pl.DataFrame(columns, schema=dict.fromkeys(columns, pl.String))
    return list(records[0]), body, starts[1:], starts[0]


def _record_lines(data: bytes) -> np.ndarray:
    """The line number of the start of each CSV record (quotes respected; the last empty record left out)."""
    arr = np.frombuffer(data, dtype=np.uint8)
    newlines = np.flatnonzero(arr == 10)
    if 34 in data:  # a newline inside quotes (an odd number of quotes before it) does not end the record
        quotes = np.flatnonzero(arr == 34)
        ends = newlines[np.searchsorted(quotes, newlines) % 2 == 0]
    else:
        ends = newlines
    starts = np.concatenate([[0], ends + 1])
    starts = starts[starts < len(data)]
    return np.searchsorted(newlines, starts, side="left").astype(np.int64) + 1


def _report_ragged(
    text: str,
    delimiter: str,
    table: str,
    source: str,
    offset: int,
    problems: list[Problem],
    err: BaseException | None,
) -> None:
    """Locate why a CSV file cannot be read: rows with more fields than the header, or a broken quote."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    width: int | None = None
    found = 0
    start = 1
    try:
        for row in reader:
            if width is None:
                width = len(row)
            elif len(row) > width:
                problems.append(
                    Problem(
                        table,
                        f"{len(row)} fields, more than the {width} of the header",
                        row=start + offset,
                        source=source,
                        hint="quote values that hold the delimiter, or add the missing column names to the header",
                    )
                )
                found += 1
                if found >= 5:
                    break
            start = reader.line_num + 1
    except csv.Error as bad:
        problems.append(
            Problem(table, f"cannot read CSV: {bad}", row=reader.line_num + offset, source=source, hint=_CSV_HINT)
        )
        return None
    if not found:
        reason = str(err).splitlines()[0] if err is not None else "the rows could not be told apart"
        problems.append(Problem(table, f"cannot read CSV: {reason}", source=source, hint=_CSV_HINT))
    return None


_CSV_HINT = "save it as CSV (UTF-8) with a header row, the same number of fields in every row and balanced quotes"


def _template_note(table: str, name: str) -> str:
    """The note the template writes under a column (:mod:`allyshore.io.workbook`)."""
    spec = TABLES.get(table)
    if spec is None or name not in spec.column_names:
        return f"{NOTE_PREFIX}user column"
    return f"{NOTE_PREFIX}{spec.column(name).note}"


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def table_from_rows(
    table: str,
    source: str,
    header: Sequence[object],
    body: pl.DataFrame,
    rows: Sequence[int],
    problems: list[Problem],
    max_columns: int,
    header_row: int = 1,
) -> RawTable | None:
    """A text table from a header and the text cells under it (``body``: one text column per header position,
    ``rows``: the row number the user sees for each row of ``body``).

    Checks the header (too many columns, names equal but for case or spaces, data under no name), drops blank
    rows and the notes row (see the module doc); None when the header is refused.
    """
    names = [_clean_name(None if h is None else str(h)) for h in header]
    while names and not names[-1]:
        names.pop()
    if len(names) > max_columns:
        problems.append(
            Problem(
                table,
                f"{len(names)} columns, above the limit of {max_columns}",
                row=header_row,
                source=source,
                hint="remove unused columns (or raise ALLYSHORE_MAX_COLUMNS)",
            )
        )
        return None
    refused = False
    seen: dict[str, int] = {}
    for position, name in enumerate(names):
        if not name:
            continue
        key = normalised_name(name)
        if key in seen:
            same = (
                "the same name"
                if header[seen[key]] == header[position]
                else "names that differ only in case, spaces or invisible letters"
            )
            problems.append(
                Problem(
                    table,
                    f"columns {_column_letter(seen[key])} '{header[seen[key]]}' and {_column_letter(position)} "
                    f"'{header[position]}' have {same}",
                    row=header_row,
                    column=name,
                    source=source,
                    hint="rename or delete one of them: allyshore would not know which one to read",
                )
            )
            refused = True
        else:
            seen[key] = position
    if refused:
        return None
    width = body.width
    body = clean_text(body.rename({c: f"_{i}" for i, c in enumerate(body.columns)}))
    for position in range(width):
        name = names[position] if position < len(names) else ""
        if name:
            continue
        count = body.height - body.get_column(f"_{position}").null_count()
        if count:
            problems.append(
                Problem(
                    table,
                    f"column {_column_letter(position)} has {count} value(s) but no name in the header: ignored",
                    row=header_row,
                    source=source,
                    severity="warning",
                    hint="give the column a name, or delete it",
                )
            )
    keep = [f"_{i}" for i in range(min(width, len(names))) if names[i]]
    line = np.asarray(rows, dtype=np.int64)
    if body.width:
        filled = body.select(pl.any_horizontal(pl.all().is_not_null())).to_series()
        mask = filled.to_numpy()
        body, line = body.filter(filled), line[mask]
    if body.height and keep:
        first = body.row(0)
        cells = [first[int(c[1:])] for c in keep if first[int(c[1:])] is not None]
        if cells and all(str(c).startswith(NOTE_PREFIX) for c in cells):
            if [first[int(c[1:])] for c in keep] != [_template_note(table, names[int(c[1:])]) for c in keep]:
                problems.append(
                    Problem(
                        table,
                        "read as a notes row (every filled cell starts with '# '), not data: skipped",
                        row=int(line[0]),
                        source=source,
                        severity="warning",
                        hint="the row under the header is a notes row when every filled cell starts with '# '",
                    )
                )
            body, line = body.slice(1), line[1:]
    frame = body.select([pl.col(c).alias(names[int(c[1:])]) for c in keep])
    return RawTable(table, source, frame, tuple(line.tolist()))
