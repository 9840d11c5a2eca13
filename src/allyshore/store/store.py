"""Opening the store (an app factory, no module-level engine) and its operations."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, event, func, insert, select, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from allyshore.errors import InputError, NotFoundError
from allyshore.store.chain import Link, RecordCheck, check_links, key_id, legacy_seal, record_mac
from allyshore.store.keys import (
    KeySource,
    MissingKeyError,
    create_key,
    key_source,
    read_key,
    read_witness,
    write_witness,
)
from allyshore.store.models import DeterminationRow
from allyshore.store.records import (
    DeterminationHistory,
    DeterminationRecord,
    StoreVerification,
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
#: The organisation of the records the command line saves and reads (no organisation of the platform has id 0).
LOCAL_ORG = 0

# PostgreSQL advisory lock keys (any fixed 64-bit numbers): one serialises migrations, one the chain's end.
_MIGRATION_LOCK = 0x616C6C7973680001
_CHAIN_LOCK = 0x616C6C7973680002
_APPEND_LOCK = 0x616C6C7973680003  # appends of other record tables (the IMMEX ledger's events)
# Migrations of stores opened by threads of one process also wait here (Alembic's context is process-wide).
_MIGRATING = threading.Lock()


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


@contextlib.contextmanager
def _writing(engine: Engine, lock: int) -> Iterator[Connection]:
    """A transaction holding the database's write lock: ``BEGIN IMMEDIATE`` on SQLite (see :func:`open_store`),
    a transaction-scoped advisory lock on PostgreSQL. Concurrent writers wait for it in turn."""
    with engine.connect().execution_options(allyshore_write=True) as connection, connection.begin():
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:lock)"), {"lock": lock})
        yield connection


def _migrate(engine: Engine) -> None:
    """Upgrade the schema to the shipped head, under the write lock so concurrent first opens take turns."""
    from alembic import command
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(resources.files("allyshore.store") / "migrations"))
    head = ScriptDirectory.from_config(config).get_current_head()
    with engine.connect() as connection:  # the common case, a store at head, needs no lock (nor write access)
        if MigrationContext.configure(connection).get_current_revision() == head:
            return
    with _MIGRATING, _writing(engine, _MIGRATION_LOCK) as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


class Store:
    """The allyshore store on one database. Use :func:`open_store` to make one.

    A ``Store`` is a context manager; :meth:`close` releases its connections.
    """

    def __init__(self, engine: Engine, keys: KeySource | None = None) -> None:
        self.engine = engine
        self.keys = keys or key_source(engine.url)
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._saving = threading.Lock()
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

    @contextlib.contextmanager
    def appending(self) -> Iterator[Connection]:
        """One write transaction (under the store's write lock) for appending rows to a record table: committed
        when the block ends, rolled back, leaving the store as it was, when it raises."""
        with _writing(self.engine, _APPEND_LOCK) as connection:
            yield connection

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
        org_id: int = LOCAL_ORG,
        also: Callable[[Connection, int], None] | None = None,
    ) -> DeterminationRecord:
        """Save one determination as a new immutable record and return it.

        ``result`` is the determination's JSON form (``OriginResult.to_dict()``):
        its ``originating``, ``criterion`` and ``explanation`` keys are recorded
        in their own columns too. ``rule_version`` names the rule applied (its
        source and edition), so the record says under which law it was decided.
        ``org_id`` is the organisation whose record it is (the command line's: :data:`LOCAL_ORG`);
        ``also(connection, record_id)`` runs in the record's transaction (an audit row, say).
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
            id=0,  # set in _append, under the write lock
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
                org_id=org_id,
            ),
            org_id=int(org_id),
        )
        return self._append(row, also)

    def _key_for_saving(self, store_key_id: str | None) -> bytes:
        key = read_key(self.keys)
        if key is None:
            if store_key_id is not None:
                raise MissingKeyError(
                    f"the key of the store at {self.url} is missing: {self.keys.label} does not exist, and the "
                    f"store's records are keyed (key id {store_key_id}); restore the key file, or name it with "
                    "--key-file or $ALLYSHORE_STORE_KEY_FILE"
                )
            key = create_key(self.keys)
        if store_key_id is not None and key_id(key) != store_key_id:
            raise MissingKeyError(
                f"the key {self.keys.label} (key id {key_id(key)}) is not the key of the store at {self.url}, "
                f"whose records are keyed with key id {store_key_id}: give its key with --key-file"
            )
        return key

    def _append(
        self, row: DeterminationRow, also: Callable[[Connection, int], None] | None = None
    ) -> DeterminationRecord:
        """Insert ``row`` at the end of the chain: under the write lock, read the chain's end, key and link the
        record to it, insert it with the next id."""
        columns = DeterminationRow.__table__.c
        with self._saving, _writing(self.engine, _CHAIN_LOCK) as connection:
            last_id = connection.execute(select(func.max(columns.id))).scalar()
            last_keyed = connection.execute(
                select(columns.record_mac, columns.key_id)
                .where(columns.record_mac.is_not(None))
                .order_by(columns.id.desc())
                .limit(1)
            ).first()
            key = self._key_for_saving(None if last_keyed is None else last_keyed.key_id)
            if last_keyed is None:  # the first keyed record seals the records saved before keys
                previous = legacy_seal(
                    connection.execute(select(columns.id, columns.content_hash).order_by(columns.id)).all()
                )
            else:
                previous = str(last_keyed.record_mac)
            row.id = int(last_id or 0) + 1
            row.previous_mac = previous
            row.record_mac = record_mac(key, record_id=row.id, content_hash=row.content_hash, previous=previous)
            row.key_id = key_id(key)
            connection.execute(
                insert(DeterminationRow).values(
                    {c.key: getattr(row, c.key) for c in DeterminationRow.__mapper__.column_attrs}
                )
            )
            if also is not None:
                also(connection, row.id)
        with contextlib.suppress(OSError):  # the witness is a help for later checks; the record is saved
            write_witness(self.keys, row.id, row.record_mac)
        return DeterminationRecord.from_row(row, RecordCheck(row.id, "verified", "saved now"))

    def save_origin_result(
        self,
        inputs: Mapping[str, Any],
        result: Any,
        *,
        kind: str = "case",
        subject: str | None = None,
        org_id: int = LOCAL_ORG,
        also: Callable[[Connection, int], None] | None = None,
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
            org_id=org_id,
            also=also,
        )

    def save_network_origin(self, result: NetworkOrigin, *, org_id: int = LOCAL_ORG) -> NetworkOrigin:
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
                org_id=org_id,
            )
            saved[(good.item_id, good.site_id)] = record.id
        return result.with_records(saved)

    def determine_and_save(
        self,
        case: str | Path | Mapping[str, Any],
        *,
        org_id: int = LOCAL_ORG,
        also: Callable[[Connection, int], None] | None = None,
    ) -> tuple[OriginResult, DeterminationRecord]:
        """Decide an origin case (a JSON case file or its document, read once) and save the determination with
        the case it decided (as a record of organisation ``org_id``); return both."""
        from allyshore.origin.case import parse_case, read_case
        from allyshore.origin.determine import determine_origin

        source = None if isinstance(case, Mapping) else str(case)
        document = dict(case) if isinstance(case, Mapping) else read_case(case)
        result = determine_origin(parse_case(document, source=source))
        return result, self.save_origin_result(document, result, org_id=org_id, also=also)

    def get_determination(self, record_id: int, *, org_id: int = LOCAL_ORG) -> DeterminationRecord:
        """The record of organisation ``org_id`` with this id; :class:`NotFoundError` when there is none (a record
        of another organisation is not found either: the query filters by the organisation, and the row it
        returns is checked again, so a query that forgot the filter fails closed)."""
        with self._sessions() as session:
            row = session.scalars(
                select(DeterminationRow).where(DeterminationRow.id == record_id, DeterminationRow.org_id == org_id)
            ).first()
            if row is None or row.org_id != org_id:
                raise NotFoundError(f"no determination record {record_id} in {self.url}")
            checks = self._check_links(session, {record_id: DeterminationRecord.from_row(row).verify()})
            return DeterminationRecord.from_row(row, checks.get(record_id))

    def list_determinations(
        self,
        *,
        hs: str | None = None,
        subject: str | None = None,
        since: datetime | None = None,
        limit: int | None = None,
        org_id: int = LOCAL_ORG,
    ) -> DeterminationHistory:
        """Saved determinations of organisation ``org_id``, newest first, optionally filtered by HS prefix,
        subject or date."""
        query = (
            select(DeterminationRow)
            .where(DeterminationRow.org_id == org_id)
            .order_by(DeterminationRow.created_at.desc(), DeterminationRow.id.desc())
        )
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
            if any(r.org_id != org_id for r in rows):  # the second lock: never another organisation's record
                raise NotFoundError(f"no determination records of organisation {org_id} could be read safely")
            records = [DeterminationRecord.from_row(r) for r in rows]
            checks = self._check_links(session, {r.id: r.verify() for r in records}) if records else {}
            return DeterminationHistory(tuple(replace(r, check=checks.get(r.id)) for r in records))

    # ----------------------------------------------------------------- verification

    def _links(self, session: Session) -> list[Link]:
        c = DeterminationRow.__table__.c
        rows = session.execute(select(c.id, c.content_hash, c.previous_mac, c.record_mac, c.key_id).order_by(c.id))
        return [Link(*row) for row in rows]

    def _check_links(self, session: Session, content_ok: Mapping[int, bool]) -> dict[int, RecordCheck]:
        """Every record's MAC and link checked (no key: links only); content as ``content_ok`` says."""
        return check_links(self._links(session), read_key(self.keys), content_ok)

    def verify_records(self, *, content: bool = True) -> StoreVerification:
        """Check the whole store: each record's content hash (unless ``content`` is False), MAC and link to the
        one before, and the witness of the chain's end beside the key file. A failed check is reported, not
        raised; on success the witness moves to the last record.

        Raises
        ------
        MissingKeyError
            The store has keyed records and their key is missing or is another key.
        """
        key = read_key(self.keys)
        with self._sessions() as session:
            links = self._links(session)
            content_ok: dict[int, bool] = {}
            if content:
                for row in session.scalars(
                    select(DeterminationRow).order_by(DeterminationRow.id).execution_options(yield_per=500)
                ):
                    content_ok[row.id] = DeterminationRecord.from_row(row).verify()
        keyed = sorted({link.key_id for link in links if link.record_mac is not None and link.key_id})
        if keyed and key is None:
            raise MissingKeyError(
                f"cannot verify the store at {self.url}: its key {self.keys.label} is missing (records keyed with "
                f"key id {', '.join(keyed)}); give it with --key-file, $ALLYSHORE_STORE_KEY_FILE or $ALLYSHORE_STORE_KEY"
            )
        if keyed and key is not None and key_id(key) not in keyed:
            raise MissingKeyError(
                f"the key {self.keys.label} (key id {key_id(key)}) is not the key of the store at {self.url} "
                f"(records keyed with key id {', '.join(keyed)}): give its key with --key-file"
            )
        checks = check_links(links, key, content_ok)
        truncation = self._truncation(links)
        report = StoreVerification(
            store=self.url,
            key=self.keys.label,
            checks=tuple(checks[i] for i in sorted(checks)),
            witness=None if self.keys.witness is None else str(self.keys.witness),
            truncation=truncation,
        )
        last = next((link for link in reversed(links) if link.record_mac is not None), None)
        if report.ok and last is not None and last.record_mac is not None:
            with contextlib.suppress(OSError):
                write_witness(self.keys, last.id, last.record_mac)
        return report

    def _truncation(self, links: list[Link]) -> str | None:
        witnessed = read_witness(self.keys)
        if witnessed is None:
            return None
        witnessed_id, witnessed_mac = witnessed
        found = next((link for link in links if link.id == witnessed_id), None)
        end = f"record {links[-1].id}" if links else "no record"
        if found is None:
            return (
                f"the store ends at {end}, but record {witnessed_id} was saved or verified here "
                f"({self.keys.witness}): records were removed from the end of the chain"
            )
        if found.record_mac != witnessed_mac:
            return f"record {witnessed_id} is not the record saved or verified here ({self.keys.witness}): the chain was rewritten"
        return None


def open_store(url: str | None = None, *, migrate: bool = True, key_file: str | Path | None = None) -> Store:
    """Open (and create or upgrade, by the shipped Alembic migrations) the store at ``url``.

    ``url`` is any SQLAlchemy URL or a SQLite file path; by default
    ``$ALLYSHORE_DATABASE_URL``, else ``./allyshore.db`` (see :func:`database_url`). ``key_file`` names
    the file of the store's key (see :mod:`allyshore.store.keys` for where it is by default).

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
        if make_url(resolved).get_backend_name() == "sqlite":
            options = {"connect_args": {"timeout": 60}}  # seconds a writer waits for the write lock
        elif make_url(resolved).get_backend_name() == "postgresql":
            # a server's request threads (40) and runner threads each hold one connection at a time: enough of
            # them kept open that a busy moment does not connect and disconnect for every request
            options = {"pool_size": 20, "max_overflow": 20, "pool_use_lifo": True}
        if resolved in ("sqlite://", "sqlite:///:memory:"):
            from sqlalchemy.pool import StaticPool

            options = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
        engine = create_engine(resolved, **options)
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise InputError(f"cannot use database URL {resolved!r}: {exc}") from exc
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # transactions begin in _sqlite_begin, not in the driver
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA recursive_triggers=ON")  # REPLACE fires the DELETE trigger on our connections
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Connection) -> None:
            # A writer takes the write lock at once (BEGIN IMMEDIATE), so it never reads a chain end that
            # another writer is about to move, and concurrent migrations take turns.
            immediate = connection.get_execution_options().get("allyshore_write", False)
            connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    from alembic.util import CommandError

    shown = engine.url.render_as_string(hide_password=True)
    try:
        keys = key_source(engine.url, key_file)
        if migrate:
            _migrate(engine)
    except DBAPIError as exc:
        engine.dispose()
        raise InputError(f"cannot open the store at {shown}: {exc.orig}") from exc
    except CommandError as exc:  # e.g. a store upgraded by a newer allyshore, at a revision unknown here
        engine.dispose()
        raise InputError(f"cannot open the store at {shown}: {exc}; upgrade allyshore") from exc
    except BaseException:
        engine.dispose()
        raise
    return Store(engine, keys)
