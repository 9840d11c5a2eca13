"""Reading an origin case file: its encoding, its size, its nesting and its numbers, before any validation.

A case file is JSON. Its encoding is detected, never guessed in silence:

* UTF-8, with or without a byte-order mark: read as is;
* UTF-16 or UTF-32 (with a byte-order mark, or UTF-16 recognised by the zero bytes of its first
  character, RFC 8259 s.8.1 expects JSON text to start with an ASCII character): read, and the
  determination says so in a caution;
* anything else that is not valid UTF-8: read as Windows-1252 (cp1252; ISO 8859-1 for the five bytes
  cp1252 leaves undefined), byte for byte, so nothing is lost, and the determination says so, naming
  the first byte that is not UTF-8.

Before the JSON is parsed, the file is limited to :data:`MAX_CASE_BYTES` and its nesting to
:data:`~allyshore.origin.case_bounds.MAX_DEPTH`; the parser keeps numbers out of bounds as markers
(:class:`~allyshore.origin.case_bounds.UnreadNumber`) that are then reported at their JSON path.
"""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from allyshore.errors import InputError, Problem, ValidationError
from allyshore.origin.case_bounds import MAX_DEPTH, document_problems, read_constant, read_number

#: Largest case file read (bytes).
MAX_CASE_BYTES = 16 * 1024 * 1024

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 with a byte-order mark",
    "utf-16": "UTF-16",
    "utf-16-le": "UTF-16 little-endian (no byte-order mark)",
    "utf-16-be": "UTF-16 big-endian (no byte-order mark)",
    "utf-32": "UTF-32",
    "cp1252": "Windows-1252 (cp1252)",
    "latin-1": "ISO 8859-1 (latin-1)",
}
_NEXT = re.compile(r'["\[\]{}]')
_STRING_REST = re.compile(r'[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)


@dataclass(frozen=True, slots=True)
class CaseFile:
    """A case document read from a file, with the encoding it was read in.

    ``note`` says how the file was read when it is not UTF-8 (shown with the determination).
    """

    document: dict[str, Any]
    encoding: str
    note: str | None = None


def _invalid(source: str, message: str, hint: str | None = None, row: int | None = None) -> ValidationError:
    return ValidationError([Problem("case", message, row=row, hint=hint, source=source)], what="origin case")


def decode_case(raw: bytes, source: str) -> tuple[str, str, str | None]:
    """The text of a case file, the codec that read it and, when it is not UTF-8, a note saying so.

    Raises
    ------
    ValidationError
        The file declares (or looks like) UTF-16 or UTF-32 but is not valid in it.
    """
    encoding = "utf-8"
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            encoding = codec
            break
    else:
        if len(raw) >= 2 and raw[0] == 0 and raw[1] != 0:
            encoding = "utf-16-be"
        elif len(raw) >= 2 and raw[0] != 0 and raw[1] == 0:
            encoding = "utf-16-le"
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        if encoding in ("utf-8", "utf-8-sig"):
            return _single_byte(raw, exc, source)
        raise _invalid(
            source,
            f"the file reads as {_NAMES[encoding]} but byte {exc.start} is not valid in it ({exc.reason})",
            "save the case as UTF-8",
        ) from None
    if encoding.startswith("utf-8"):
        return text, encoding, None
    note = (
        f"The case file {source} was read as {_NAMES[encoding]}, not UTF-8; "
        "check its names and descriptions, or save it as UTF-8."
    )
    return text, encoding, note


def _single_byte(raw: bytes, exc: UnicodeDecodeError, source: str) -> tuple[str, str, str]:
    try:
        text, encoding = raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        text, encoding = raw.decode("latin-1"), "latin-1"
    line = raw.count(b"\n", 0, exc.start) + 1
    note = (
        f"The case file {source} is not UTF-8 (byte 0x{raw[exc.start]:02X} on line {line}); it was read as "
        f"{_NAMES[encoding]}, byte for byte: check its names and descriptions, or save it as UTF-8."
    )
    return text, encoding, note


def _nesting_problem(text: str, source: str) -> ValidationError | None:
    """The JSON nests deeper than MAX_DEPTH (found before parsing, which would exhaust the stack)."""
    depth, pos = 0, 0
    while (match := _NEXT.search(text, pos)) is not None:
        token, pos = match.group(), match.end()
        if token == '"':
            rest = _STRING_REST.match(text, pos)
            if rest is None:
                return None  # an unterminated string: the parser reports it
            pos = rest.end()
        elif token in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                line = text.count("\n", 0, match.start()) + 1
                return _invalid(
                    source,
                    f"the JSON nests more than {MAX_DEPTH} levels deep",
                    "a case nests its materials a few levels at most: check the structure",
                    row=line,
                )
        else:
            depth -= 1
    return None


def parse_case_text(text: str, source: str) -> dict[str, Any]:
    """The document of a case's JSON text, its numbers bounded (see :mod:`allyshore.origin.case_bounds`).

    Raises
    ------
    ValidationError
        Not JSON, not an object, nested too deep, or holding numbers out of bounds (each at its JSON path).
    """
    nesting = _nesting_problem(text, source)
    if nesting is not None:
        raise nesting
    try:
        data = json.loads(text, parse_int=read_number, parse_float=read_number, parse_constant=read_constant)
    except json.JSONDecodeError as exc:
        raise _invalid(source, f"not valid JSON: {exc.msg} (column {exc.colno})", row=exc.lineno) from None
    except RecursionError:  # pragma: no cover - the nesting check comes first
        raise _invalid(source, f"the JSON nests more than {MAX_DEPTH} levels deep") from None
    if not isinstance(data, dict):
        raise _invalid(source, f"a case is a JSON object, not {type(data).__name__}", 'start the file with "{"')
    problems = document_problems(data, source)
    if problems:
        raise ValidationError(problems, what="origin case")
    return data


def read_case_file(path: str | Path) -> CaseFile:
    """Read a JSON case file: encoding detected, size, nesting and numbers bounded.

    Raises
    ------
    InputError
        The path is missing, a directory, unreadable, or the file is larger than :data:`MAX_CASE_BYTES`.
    ValidationError
        The file is not JSON, not a JSON object, or holds values out of bounds.
    """
    source = str(path)
    target = Path(path)
    try:
        if target.is_dir():
            raise InputError(f"{source}: is a directory, not a case file (give the path of a JSON case file)")
        with target.open("rb") as handle:
            raw = handle.read(MAX_CASE_BYTES + 1)
    except FileNotFoundError:
        raise InputError(f"{source}: no such case file") from None
    except PermissionError:
        raise InputError(f"{source}: the case file cannot be read (permission denied)") from None
    except (OSError, ValueError) as exc:  # ValueError: a path with a NUL character
        raise InputError(f"{source}: the case file cannot be read ({getattr(exc, 'strerror', None) or exc})") from None
    if len(raw) > MAX_CASE_BYTES:
        raise InputError(f"{source}: larger than {MAX_CASE_BYTES // (1024 * 1024)} MB, too large for a case file")
    text, encoding, note = decode_case(raw, source)
    return CaseFile(parse_case_text(text, source), encoding, note)
