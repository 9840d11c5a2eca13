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
from allyshore.store.chain import STATUSES, Link, RecordCheck
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
    org_id: int = 0,
) -> str:
    """SHA-256 over the record's canonical content (timestamp in UTC, microseconds).

    The organisation (``org_id``) is part of the content of a platform organisation's record, so moving a record
    to another organisation breaks its hash; the local organisation's records (``0``, the command line's) hash as
    every record did before organisations, so the records saved then still verify."""
    content: dict[str, Any] = {
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
    if org_id:
        content["org"] = int(org_id)
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


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
    previous_mac: str | None = None
    record_mac: str | None = None
    key_id: str | None = None
    #: the organisation whose record it is (0: the command line's local organisation)
    org_id: int = 0
    check: RecordCheck | None = field(default=None, compare=False)
    _stored: tuple[str, str, str] = field(default=("", "", ""), repr=False, compare=False)

    @classmethod
    def from_row(cls, row: DeterminationRow, check: RecordCheck | None = None) -> DeterminationRecord:
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
            previous_mac=row.previous_mac,
            record_mac=row.record_mac,
            key_id=row.key_id,
            org_id=int(row.org_id or 0),
            check=check,
            _stored=(row.inputs_json, row.result_json, row.explanation_json),
        )

    @property
    def link(self) -> Link:
        """The columns the keyed chain covers."""
        return Link(self.id, self.content_hash, self.previous_mac, self.record_mac, self.key_id)

    @property
    def verification(self) -> str:
        """How the store verified the record (:data:`allyshore.store.chain.STATUSES`), ``unchecked`` when not."""
        return "unchecked" if self.check is None else self.check.status

    @property
    def verified(self) -> bool | None:
        """True when content hash, MAC and chain link hold (or a record saved before keys is sealed), False when
        the record was tampered with, None when it cannot be known (no key, or saved before keys, unsealed)."""
        if not self.verify():
            return False
        return None if self.check is None else self.check.verified

    def verify(self) -> bool:
        """True when the stored content still matches its ``content_hash`` (the unkeyed part of the check; the
        store's :meth:`~allyshore.store.Store.verify_records` checks the MAC and the chain as well)."""
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
            org_id=self.org_id,
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
            "verified": self.verified,
            "verification": self.verification if self.verify() else "tampered",
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.summary(),
            "software_version": self.software_version,
            "inputs": dict(self.inputs),
            "result": dict(self.result),
            "explanation": list(self.explanation),
            "previous_mac": self.previous_mac,
            "record_mac": self.record_mac,
            "key_id": self.key_id,
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
            "verified": pl.Boolean,
            "verification": pl.String,
        }
        rows: Sequence[dict[str, Any]] = [r.summary() for r in self.records]
        return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)

    def _repr_html_(self) -> str:
        columns = ("id", "saved (UTC)", "good", "HS", "verdict", "criterion", "verified")
        head = "".join(f"<th>{escape(c)}</th>" for c in columns)
        body = "".join(
            "<tr>"
            f"<td>{r.id}</td><td>{escape(r.created_at.isoformat(timespec='seconds'))}</td>"
            f"<td>{escape(r.subject)}</td><td>{escape(r.hs)}</td>"
            f"<td>{'originating' if r.originating else 'not originating'}</td><td>{escape(r.criterion or '')}</td>"
            f"<td>{escape(r.summary()['verification'])}</td>"
            "</tr>"
            for r in self.records
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


@dataclass(frozen=True)
class StoreVerification(Result):
    """The check of a whole store: every record's content hash, MAC and link, and the witness of its end.

    ``first_broken`` is the first failed record (lowest id); ``truncation`` says when records were
    removed from the end of the chain (known only from the witness file beside the key).
    """

    store: str
    key: str
    checks: tuple[RecordCheck, ...]
    witness: str | None = None
    truncation: str | None = None

    def count(self, status: str) -> int:
        return sum(1 for c in self.checks if c.status == status)

    @property
    def first_broken(self) -> RecordCheck | None:
        failed = [c for c in self.checks if c.verified is False]
        return min(failed, key=lambda c: c.id) if failed else None

    @property
    def ok(self) -> bool:
        """True when no record failed and no truncation was seen (records that cannot be known do not fail)."""
        return self.first_broken is None and self.truncation is None

    def message(self) -> str:
        """One sentence: the store is intact, or where it first breaks."""
        broken = self.first_broken
        if broken is not None:
            return f"record {broken.id} is {broken.status}: {broken.reason}"
        if self.truncation is not None:
            return self.truncation
        return f"{len(self.checks)} record(s) verified"

    def to_dict(self) -> dict[str, Any]:
        broken = self.first_broken
        return {
            "store": self.store,
            "key": self.key,
            "ok": self.ok,
            "message": self.message(),
            "records": len(self.checks),
            "counts": {status: self.count(status) for status in STATUSES},
            "first_broken": None
            if broken is None
            else {"id": broken.id, "status": broken.status, "reason": broken.reason},
            "witness": self.witness,
            "truncation": self.truncation,
            "failed": [
                {"id": c.id, "status": c.status, "reason": c.reason} for c in self.checks if c.verified is False
            ],
        }

    def to_frame(self) -> pl.DataFrame:
        rows = [{"id": c.id, "status": c.status, "verified": c.verified, "reason": c.reason} for c in self.checks]
        schema = {"id": pl.Int64, "status": pl.String, "verified": pl.Boolean, "reason": pl.String}
        return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)

    def frames(self) -> dict[str, pl.DataFrame]:
        return {"records": self.to_frame()}

    def _repr_html_(self) -> str:
        return f"<p>{escape(self.store)}: {escape(self.message())}</p>"
