"""What every result of an analysis offers: ``to_dict``, ``to_json``, ``frames`` and ``_repr_html_``.

An analysis returns a frozen dataclass that mixes in :class:`Result`. The mixin
serialises it from its fields, with one set of conversions for every result
(:func:`jsonable`), so that a result class declares what its JSON holds instead
of writing it out by hand:

* by default, every dataclass field in order, except those marked
  ``field(metadata=NOT_IN_JSON)``;
* or the keys listed in the class's ``json_keys``: each a field or property
  name, or a ``(key, attribute)`` pair when the JSON key is another name.

A result whose JSON has a shape of its own (nested groups, keys present only
when set) writes its ``to_dict`` and still gets ``to_json``, ``frames`` and
``_repr_html_`` from the mixin. The JSON of a result is a public contract: the
command line prints exactly :meth:`Result.to_json`.

``frames()`` gives the result as polars tables (each flat, so that it can be
written as CSV): by default, every list of records in ``to_dict()`` is a table
named by its key, and the other top-level values one ``summary`` row.

>>> from dataclasses import dataclass
>>> @dataclass(frozen=True)
... class Reading(Result):
...     site: str
...     values: tuple[float, ...]
>>> Reading("A", (1.0, float("nan"))).to_json(indent=None)
'{"site": "A", "values": [1.0, null]}'
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
import math
import numbers
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    import polars as pl

__all__ = ["NOT_IN_JSON", "Result", "csv_ready", "dumps", "flat_frame", "jsonable", "record", "record_frames"]

#: Field metadata of a dataclass field left out of the default ``to_dict`` (working state, a back-reference).
NOT_IN_JSON: Mapping[str, bool] = {"json": False}

#: Rows of a table shown by the default ``_repr_html_`` (the rest is summarised).
HTML_ROWS = 50


def jsonable(value: Any) -> Any:
    """``value`` as JSON data: results and anything with ``to_dict`` by it, other dataclasses field by field,
    mappings as objects with text keys, sequences as lists, dates as ISO text, fractions and decimals as floats,
    enums by value, tables as lists of rows. Floats are kept as they are (:func:`dumps` writes NaN as null)."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict) and not isinstance(value, type):
        return to_dict()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return record(value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, set | frozenset):
        return [jsonable(v) for v in sorted(value)]
    if isinstance(value, dt.date):  # datetime too
        return value.isoformat()
    if isinstance(value, numbers.Integral):  # a numpy integer
        return int(value)
    if isinstance(value, numbers.Real):  # a fraction or a numpy float
        return float(value)
    if isinstance(value, numbers.Number) and hasattr(value, "as_integer_ratio"):  # a decimal
        return float(value)  # type: ignore[arg-type]
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    to_dicts = getattr(value, "to_dicts", None)  # a polars DataFrame
    if callable(to_dicts):
        return to_dicts()
    item = getattr(value, "item", None)  # a numpy scalar
    if callable(item):
        return item()
    return value


def record(obj: Any, keys: tuple[str | tuple[str, str], ...] | None = None) -> dict[str, Any]:
    """The JSON object of a dataclass: ``keys`` (default its ``json_keys``, else every field not marked
    :data:`NOT_IN_JSON`), each value by :func:`jsonable`."""
    chosen = keys if keys is not None else getattr(obj, "json_keys", ())
    if not chosen:
        chosen = tuple(f.name for f in dataclasses.fields(obj) if f.metadata.get("json", True))
    out: dict[str, Any] = {}
    for key in chosen:
        name, attribute = key if isinstance(key, tuple) else (key, key)
        out[name] = jsonable(getattr(obj, attribute))
    return out


def _clean(value: Any) -> Any:
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def dumps(payload: Any, *, indent: int | None = 2) -> str:
    """JSON text of ``payload`` (by :func:`jsonable`): NaN and infinities as null, non-ASCII kept as it is."""
    return json.dumps(_clean(jsonable(payload)), indent=indent, ensure_ascii=False, default=str)


def _cell(value: Any) -> Any:
    """A value fit for one CSV cell: lists of plain values joined by ';', anything nested as JSON text."""
    if isinstance(value, list):
        if all(v is None or isinstance(v, str | bool | int | float) for v in value):
            return ";".join("" if v is None else str(v) for v in value)
        return json.dumps(_clean(value), ensure_ascii=False, default=str)
    if isinstance(value, dict):
        return json.dumps(_clean(value), ensure_ascii=False, default=str)
    return value


def _flat_row(row: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value and all(not isinstance(v, dict) for v in value.values()):
            out.update(_flat_row(value, f"{name}."))
        else:
            out[name] = _cell(value)
    return out


def flat_frame(rows: list[Mapping[str, Any]]) -> pl.DataFrame:
    """One flat table of JSON records: a nested object's keys become ``parent.key`` columns, lists of plain
    values are joined by ';', anything deeper is JSON text (every column fits a CSV file)."""
    import polars as pl

    flat = [_flat_row(r) for r in rows]
    columns = list(dict.fromkeys(k for r in flat for k in r))
    data = {c: [r.get(c) for r in flat] for c in columns}
    series = []
    for name, values in data.items():
        kinds = {type(v) for v in values if v is not None}
        if kinds <= {int, float} and float in kinds:
            values = [None if v is None else float(v) for v in values]
        elif len(kinds) > 1:
            values = [None if v is None else str(v) for v in values]
        series.append(pl.Series(name, values, strict=False))
    return pl.DataFrame(series)


def frames_of(payload: Mapping[str, Any]) -> dict[str, pl.DataFrame]:
    """The default tables of a JSON object: each list of records a table named by its key, the plain values
    (nested objects flattened) one ``summary`` row."""
    tables: dict[str, pl.DataFrame] = {}
    summary: dict[str, Any] = {}
    for key, value in payload.items():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            tables[key] = flat_frame(value)
        elif isinstance(value, list) and not value:
            continue
        else:
            summary[key] = value
    return {"summary": flat_frame([summary]), **tables} if summary else tables


def record_frames(**tables: Any) -> dict[str, pl.DataFrame]:
    """Flat tables of sequences of records (results, dataclasses or mappings) by name; empty ones left out."""
    return {name: flat_frame([jsonable(r) for r in rows]) for name, rows in tables.items() if len(rows)}


def csv_ready(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with every list column joined by ';' and every struct column as JSON text (CSV holds neither)."""
    import polars as pl

    nested = {name: dtype for name, dtype in frame.schema.items() if isinstance(dtype, pl.List | pl.Array | pl.Struct)}
    if not nested:
        return frame
    return frame.with_columns(
        pl.col(name).struct.json_encode()
        if isinstance(dtype, pl.Struct)
        else pl.col(name).cast(pl.List(pl.String)).list.join(";")
        for name, dtype in nested.items()
    )


def frames_html(frames: Mapping[str, pl.DataFrame], title: str) -> str:
    """HTML of tables, each headed by its name (at most :data:`HTML_ROWS` rows of each)."""
    import html

    parts = [f"<div><strong>{html.escape(title)}</strong>"]
    for name, frame in frames.items():
        head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape('' if v is None else str(v))}</td>" for v in row) + "</tr>"
            for row in frame.head(HTML_ROWS).iter_rows()
        )
        more = f"<p>... {frame.height - HTML_ROWS} more row(s)</p>" if frame.height > HTML_ROWS else ""
        parts.append(
            f"<table><caption>{html.escape(name)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>{more}"
        )
    parts.append("</div>")
    return "".join(parts)


class Result:
    """Mixin of every analysis result (a frozen dataclass): JSON, tables and a notebook view.

    ``json_keys`` lists what ``to_dict`` holds when it is not every field (see the module's docstring).
    """

    __slots__ = ()
    json_keys: ClassVar[tuple[str | tuple[str, str], ...]] = ()

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON data (the public contract of ``--json``)."""
        return record(self)

    def to_json(self, *, indent: int | None = 2) -> str:
        """The result as JSON text: NaN and infinities as null."""
        return dumps(self.to_dict(), indent=indent)

    def frames(self) -> dict[str, pl.DataFrame]:
        """The result as flat polars tables by name (``--csv DIR`` writes each as ``NAME.csv``)."""
        return frames_of(self.to_dict())

    def _repr_html_(self) -> str:
        return frames_html(self.frames(), type(self).__name__)
