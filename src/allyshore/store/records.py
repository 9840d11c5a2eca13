"""Determination records as frozen values: canonical content, hash, JSON, frames."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from html import escape
from typing import Any

import polars as pl

from allyshore.results import Result
from allyshore.store.models import DeterminationRow


def _default(value: Any) -> Any:
    if isinstance(value, Decimal | Fraction):
        return float(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    return str(value)


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no whitespace: the byte form that is stored and hashed."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default)


def as_utc(moment: datetime) -> datetime:
    """A timezone-aware UTC datetime (SQLite returns naive datetimes; they are stored as UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def content_hash(
    *,
    created_at: datetime,
    kind: str,
    subject: str,
    hs: str,
    rule_version: str,
    software_version: str,
    inputs_json: str,
    result_json: str,
    explanation_json: str,
) -> str:
    """SHA-256 over the record's canonical content (timestamp in UTC, microseconds)."""
    payload = canonical_json(
        {
            "created_at": as_utc(created_at).isoformat(timespec="microseconds"),
            "kind": kind,
            "subject": subject,
            "hs": hs,
            "rule_version": rule_version,
            "software_version": software_version,
            "inputs": inputs_json,
            "result": result_json,
            "explanation": explanation_json,
        }
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class DeterminationRecord(Result):
    """One saved origin determination: what was decided, from which inputs, under which rule, when.

    ``inputs`` is the case (or the network extract) that was decided, ``result``
    the determination as ``allyshore origin determine --json`` prints it, and
    ``explanation`` its sentences citing the regulations.
    """

    id: int
    created_at: datetime
    kind: str
    subject: str
    hs: str
    originating: bool
    criterion: str | None
    rule_version: str
    software_version: str
    inputs: Mapping[str, Any]
    result: Mapping[str, Any]
    explanation: tuple[str, ...]
    content_hash: str
    _stored: tuple[str, str, str] = field(default=("", "", ""), repr=False, compare=False)

    @classmethod
    def from_row(cls, row: DeterminationRow) -> DeterminationRecord:
        return cls(
            id=row.id,
            created_at=as_utc(row.created_at),
            kind=row.kind,
            subject=row.subject,
            hs=row.hs,
            originating=bool(row.originating),
            criterion=row.criterion,
            rule_version=row.rule_version,
            software_version=row.software_version,
            inputs=json.loads(row.inputs_json),
            result=json.loads(row.result_json),
            explanation=tuple(json.loads(row.explanation_json)),
            content_hash=row.content_hash,
            _stored=(row.inputs_json, row.result_json, row.explanation_json),
        )

    def verify(self) -> bool:
        """True when the stored content still matches its ``content_hash``."""
        inputs_json, result_json, explanation_json = self._stored
        expected = content_hash(
            created_at=self.created_at,
            kind=self.kind,
            subject=self.subject,
            hs=self.hs,
            rule_version=self.rule_version,
            software_version=self.software_version,
            inputs_json=inputs_json or canonical_json(self.inputs),
            result_json=result_json or canonical_json(self.result),
            explanation_json=explanation_json or canonical_json(list(self.explanation)),
        )
        return expected == self.content_hash

    def summary(self) -> dict[str, Any]:
        """The one-line view used by ``allyshore origin history``."""
        rvc = self.result.get("rvc") if isinstance(self.result, Mapping) else None
        return {
            "id": self.id,
            "created_at": self.created_at.isoformat(timespec="seconds"),
            "kind": self.kind,
            "subject": self.subject,
            "hs": self.hs,
            "originating": self.originating,
            "criterion": self.criterion,
            "rvc": rvc.get("value") if isinstance(rvc, Mapping) else None,
            "rule_version": self.rule_version,
            "content_hash": self.content_hash,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.summary(),
            "software_version": self.software_version,
            "inputs": dict(self.inputs),
            "result": dict(self.result),
            "explanation": list(self.explanation),
            "verified": self.verify(),
        }

    def to_frame(self) -> pl.DataFrame:
        return DeterminationHistory((self,)).to_frame()

    def _repr_html_(self) -> str:
        return DeterminationHistory((self,))._repr_html_()


@dataclass(frozen=True)
class DeterminationHistory(Result):
    """Saved determinations, newest first."""

    records: tuple[DeterminationRecord, ...]

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self) -> Iterator[DeterminationRecord]:
        return iter(self.records)

    def to_dict(self) -> dict[str, Any]:
        return {"records": [r.summary() for r in self.records]}

    def to_frame(self) -> pl.DataFrame:
        schema = {
            "id": pl.Int64,
            "created_at": pl.String,
            "kind": pl.String,
            "subject": pl.String,
            "hs": pl.String,
            "originating": pl.Boolean,
            "criterion": pl.String,
            "rvc": pl.Float64,
            "rule_version": pl.String,
            "content_hash": pl.String,
        }
        rows: Sequence[dict[str, Any]] = [r.summary() for r in self.records]
        return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{escape(c)}</th>" for c in ("id", "saved (UTC)", "good", "HS", "verdict", "criterion"))
        body = "".join(
            "<tr>"
            f"<td>{r.id}</td><td>{escape(r.created_at.isoformat(timespec='seconds'))}</td>"
            f"<td>{escape(r.subject)}</td><td>{escape(r.hs)}</td>"
            f"<td>{'originating' if r.originating else 'not originating'}</td><td>{escape(r.criterion or '')}</td>"
            "</tr>"
            for r in self.records
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
