"""Opening the store (an app factory, no module-level engine) and its operations."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, event, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from allyshore.errors import InputError, NotFoundError
from allyshore.store.models import DeterminationRow
from allyshore.store.records import (
    DeterminationHistory,
    DeterminationRecord,
    canonical_json,
    content_hash,
)

if TYPE_CHECKING:
    from allyshore.origin.results import NetworkOrigin, OriginResult

#: Environment variable naming the database (any SQLAlchemy URL).
ENV_VAR = "ALLYSHORE_DATABASE_URL"
#: The default database: a SQLite file in the working directory.
DEFAULT_DATABASE_FILE = "allyshore.db"

KINDS = ("case", "network")


class ImmutableRecordError(InputError):
    """An attempt to change or delete a saved determination record."""


def database_url(url: str | None = None) -> str:
    """The database to use: ``url``, else ``$ALLYSHORE_DATABASE_URL``, else ``sqlite:///./allyshore.db``.

    A plain file path (no ``://``) is taken as a SQLite file.

    >>> database_url("records.db")
    'sqlite:///records.db'
    >>> database_url("postgresql+psycopg://u@db:5432/allyshore")
    'postgresql+psycopg://u@db:5432/allyshore'
    """
    chosen = url or os.environ.get(ENV_VAR) or DEFAULT_DATABASE_FILE
    if "://" not in chosen:
        return f"sqlite:///{chosen}"
    return chosen


def _refuse_changes(session: Session, *_: Any) -> None:
    for obj in [*session.dirty, *session.deleted]:
        if isinstance(obj, DeterminationRow):
            raise ImmutableRecordError(
                f"determination record {obj.id} cannot be changed or deleted: records are immutable"
            )


def _migrate(engine: Engine) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resources.files("allyshore.store") / "migrations"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


class Store:
    """The allyshore store on one database. Use :func:`open_store` to make one.

    A ``Store`` is a context manager; :meth:`close` releases its connections.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        event.listen(self._sessions, "before_flush", _refuse_changes)

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"Store({self.url!r})"

    # ----------------------------------------------------------------- determinations

    def save_determination(
        self,
        *,
        inputs: Mapping[str, Any],
        result: Mapping[str, Any],
        subject: str,
        hs: str,
        rule_version: str,
        kind: str = "case",
        created_at: datetime | None = None,
    ) -> DeterminationRecord:
        """Save one determination as a new immutable record and return it.

        ``result`` is the determination's JSON form (``OriginResult.to_dict()``):
        its ``originating``, ``criterion`` and ``explanation`` keys are recorded
        in their own columns too. ``rule_version`` names the rule applied (its
        source and edition), so the record says under which law it was decided.
        """
        if kind not in KINDS:
            raise InputError(f"unknown determination kind {kind!r}: use one of {', '.join(KINDS)}")
        if "originating" not in result:
            raise InputError("a determination result must say whether the good is originating ('originating')")
        from allyshore import __version__

        moment = (created_at or datetime.now(UTC)).astimezone(UTC)
        explanation = [str(s) for s in result.get("explanation") or ()]
        criterion = result.get("criterion")
        inputs_json = canonical_json(inputs)
        result_json = canonical_json(result)
        explanation_json = canonical_json(explanation)
        digits = "".join(ch for ch in hs if ch.isalnum())
        row = DeterminationRow(
            created_at=moment,
            kind=kind,
            subject=subject[:400],
            hs=digits[:16],
            originating=bool(result["originating"]),
            criterion=str(criterion) if criterion else None,
            rule_version=rule_version[:400],
            software_version=__version__,
            inputs_json=inputs_json,
            result_json=result_json,
            explanation_json=explanation_json,
            content_hash=content_hash(
                created_at=moment,
                kind=kind,
                subject=subject[:400],
                hs=digits[:16],
                rule_version=rule_version[:400],
                software_version=__version__,
                inputs_json=inputs_json,
                result_json=result_json,
                explanation_json=explanation_json,
            ),
        )
        with self._sessions.begin() as session:
            session.add(row)
            session.flush()
            return DeterminationRecord.from_row(row)

    def save_origin_result(
        self, inputs: Mapping[str, Any], result: Any, *, kind: str = "case", subject: str | None = None
    ) -> DeterminationRecord:
        """Save an :class:`~allyshore.origin.OriginResult` with the case (or network extract) it decided.

        The rule version recorded is the rule's source as the engine reports it,
        flagged when the rules library marks that rule unverified.
        """
        data = result.to_dict()
        good = data.get("good") or {}
        rule = data.get("rule") or {}
        source = rule.get("source")
        version = "rule supplied by the user" if source in (None, "", "case", "user") else str(source)
        if rule.get("verified") is False:
            version += " [unverified]"
        return self.save_determination(
            inputs=inputs,
            result=data,
            subject=subject or str(good.get("description") or f"HS {good.get('hs', '')}"),
            hs=str(good.get("hs") or ""),
            rule_version=version,
            kind=kind,
        )

    def save_network_origin(self, result: NetworkOrigin) -> NetworkOrigin:
        """Save every decided good of a :class:`~allyshore.origin.from_network.NetworkOrigin`; return the result
        with the id of each good's record (``record_id``; ``record_ids`` maps (item_id, site_id) to it).

        Each record keeps the case built from the network (origin case format v1),
        so it can be re-run and audited without the network file.
        """
        from allyshore.origin.from_network import case_document

        saved: dict[tuple[str, str], int] = {}
        for good in result.goods:
            if good.result is None or good.case is None:
                continue
            record = self.save_origin_result(
                case_document(good.case),
                good.result,
                kind="network",
                subject=f"{result.network}: {good.item_id} @ {good.site_id}",
            )
            saved[(good.item_id, good.site_id)] = record.id
        return result.with_records(saved)

    def determine_and_save(self, case: str | Path | Mapping[str, Any]) -> tuple[OriginResult, DeterminationRecord]:
        """Decide an origin case (a JSON case file or its document, read once) and save the determination with
        the case it decided; return both."""
        from allyshore.origin.case import parse_case, read_case
        from allyshore.origin.determine import determine_origin

        source = None if isinstance(case, Mapping) else str(case)
        document = dict(case) if isinstance(case, Mapping) else read_case(case)
        result = determine_origin(parse_case(document, source=source))
        return result, self.save_origin_result(document, result)

    def get_determination(self, record_id: int) -> DeterminationRecord:
        """The record with this id; :class:`NotFoundError` when there is none."""
        with self._sessions() as session:
            row = session.get(DeterminationRow, record_id)
            if row is None:
                raise NotFoundError(f"no determination record {record_id} in {self.url}")
            return DeterminationRecord.from_row(row)

    def list_determinations(
        self,
        *,
        hs: str | None = None,
        subject: str | None = None,
        since: datetime | None = None,
        limit: int | None = None,
    ) -> DeterminationHistory:
        """Saved determinations, newest first, optionally filtered by HS prefix, subject or date."""
        query = select(DeterminationRow).order_by(DeterminationRow.created_at.desc(), DeterminationRow.id.desc())
        if hs:
            digits = "".join(ch for ch in hs if ch.isalnum())
            query = query.where(DeterminationRow.hs.startswith(digits, autoescape=True))
        if subject:
            query = query.where(DeterminationRow.subject == subject)
        if since is not None:
            query = query.where(DeterminationRow.created_at >= since.astimezone(UTC))
        if limit is not None:
            query = query.limit(limit)
        with self._sessions() as session:
            rows = session.scalars(query).all()
            return DeterminationHistory(tuple(DeterminationRecord.from_row(r) for r in rows))


def open_store(url: str | None = None, *, migrate: bool = True) -> Store:
    """Open (and create or upgrade, by the shipped Alembic migrations) the store at ``url``.

    ``url`` is any SQLAlchemy URL or a SQLite file path; by default
    ``$ALLYSHORE_DATABASE_URL``, else ``./allyshore.db`` (see :func:`database_url`).

    Raises
    ------
    InputError
        The URL is malformed, its driver is missing, or the database cannot be reached.
    """
    resolved = database_url(url)
    try:
        if resolved.startswith("sqlite:///") and resolved != "sqlite:///:memory:":
            Path(resolved.removeprefix("sqlite:///")).expanduser().parent.mkdir(parents=True, exist_ok=True)
        options: dict[str, Any] = {}
        if resolved in ("sqlite://", "sqlite:///:memory:"):
            from sqlalchemy.pool import StaticPool

            options = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
        engine = create_engine(resolved, **options)
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise InputError(f"cannot use database URL {resolved!r}: {exc}") from exc
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

    if migrate:
        try:
            _migrate(engine)
        except OperationalError as exc:
            engine.dispose()
            shown = engine.url.render_as_string(hide_password=True)
            raise InputError(f"cannot open the store at {shown}: {exc.orig}") from exc
    return Store(engine)
