"""The platform's tenant data: organisations, users, tokens, networks, runs and the audit log (migration 0005).

Three doors, each narrow:

- :class:`TenantStore` (``TenantStore(store, org_id)``) is the only way to read or write an organisation's rows.
  Every query filters by ``org_id``; every row it returns is checked again (:meth:`TenantStore._own`) and a row
  of another organisation raises :class:`~allyshore.errors.NotFoundError`, as a missing one does, so that a
  mistake in one query fails closed. Every write runs in one transaction with its audit row.
- :class:`Accounts` makes organisations and users and resolves credentials to a :class:`Principal` (it must see
  every organisation's users to find whose a token is; it returns only the principal).
- :class:`RunQueue` is the job runner's: it claims queued runs atomically (``FOR UPDATE SKIP LOCKED`` on
  PostgreSQL, the write lock on SQLite), reports progress, finishes runs and marks runs left running by a crash
  as failed ("interrupted").
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import secrets
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, RowMapping

from allyshore.errors import InputError, NotFoundError
from allyshore.store.credentials import token_cache
from allyshore.store.store import Store

ROLES = ("admin", "analyst", "viewer")
SCOPES = ("read", "write")
STATUSES = ("queued", "running", "succeeded", "failed", "cancelled")
FINISHED = ("succeeded", "failed", "cancelled")
TOKEN_PREFIX = "alsh_"
#: How long a claimed run is its worker's without a heartbeat (:meth:`RunQueue.renew`): after it, any worker may
#: mark the run interrupted (:meth:`RunQueue.recover_interrupted` with ``lease_expired``).
LEASE = timedelta(seconds=60)
INTERRUPTED = "interrupted: the process running it stopped before it finished"

_meta = sa.MetaData()
organisations = sa.Table(
    "organisations",
    _meta,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String),
    sa.Column("created_at", sa.DateTime(timezone=True)),
)
users = sa.Table(
    "users",
    _meta,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("org_id", sa.Integer),
    sa.Column("email", sa.String),
    sa.Column("password_hash", sa.String),
    sa.Column("role", sa.String),
    sa.Column("created_at", sa.DateTime(timezone=True)),
)
api_tokens = sa.Table(
    "api_tokens",
    _meta,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("org_id", sa.Integer),
    sa.Column("user_id", sa.Integer),
    sa.Column("token_hash", sa.String),
    sa.Column("name", sa.String),
    sa.Column("scope", sa.String),
    sa.Column("created_at", sa.DateTime(timezone=True)),
    sa.Column("expires_at", sa.DateTime(timezone=True)),
    sa.Column("revoked_at", sa.DateTime(timezone=True)),
)
networks = sa.Table(
    "networks",
    _meta,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("org_id", sa.Integer),
    sa.Column("name", sa.String),
    sa.Column("filename", sa.String),
    sa.Column("network_json", sa.Text),
    sa.Column("summary_json", sa.Text),
    sa.Column("content_hash", sa.String),
    sa.Column("created_by", sa.Integer),
    sa.Column("created_at", sa.DateTime(timezone=True)),
)
runs = sa.Table(
    "runs",
    _meta,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("org_id", sa.Integer),
    sa.Column("network_id", sa.String),
    sa.Column("analysis", sa.String),
    sa.Column("options_json", sa.Text),
    sa.Column("status", sa.String),
    sa.Column("progress", sa.Float),
    sa.Column("message", sa.Text),
    sa.Column("error", sa.Text),
    sa.Column("result_json", sa.Text),
    sa.Column("report_html", sa.Text),
    sa.Column("cancel_requested", sa.Boolean),
    sa.Column("worker", sa.String),
    sa.Column("lease_until", sa.DateTime(timezone=True)),
    sa.Column("created_by", sa.Integer),
    sa.Column("created_at", sa.DateTime(timezone=True)),
    sa.Column("started_at", sa.DateTime(timezone=True)),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
)
audit = sa.Table(
    "audit",
    _meta,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.DateTime(timezone=True)),
    sa.Column("org_id", sa.Integer),
    sa.Column("actor", sa.String),
    sa.Column("action", sa.String),
    sa.Column("target", sa.String),
    sa.Column("detail_json", sa.Text),
)


#: The columns of a network's and a run's info (not the stored network, result or report: large, read when asked).
_NETWORK_INFO = (
    networks.c.id,
    networks.c.org_id,
    networks.c.name,
    networks.c.filename,
    networks.c.summary_json,
    networks.c.created_at,
)
_RUN_INFO = tuple(c for c in runs.c if c.name not in ("result_json", "report_html"))


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).isoformat()


def token_digest(token: str) -> str:
    """The SHA-256 of an API token, as stored (tokens are 256-bit random: a fast hash is enough)."""
    return hashlib.sha256(token.encode()).hexdigest()


@contextlib.contextmanager
def _transaction(engine: Engine) -> Iterator[Connection]:
    """One write transaction (``BEGIN IMMEDIATE`` on SQLite, see :func:`allyshore.store.open_store`)."""
    with engine.connect().execution_options(allyshore_write=True) as connection, connection.begin():
        yield connection


def _reading(engine: Engine) -> Connection:
    """A connection for reads: on PostgreSQL in autocommit, so a read is one round trip (no BEGIN before it, no
    ROLLBACK when the connection goes back to the pool); each statement sees the data committed before it."""
    connection = engine.connect()
    if engine.dialect.name == "postgresql":
        return connection.execution_options(isolation_level="AUTOCOMMIT")
    return connection


def _audit(connection: Connection, org_id: int | None, actor: str, action: str, target: str | None, **detail: Any) -> None:
    connection.execute(
        audit.insert().values(
            at=_now(),
            org_id=org_id,
            actor=actor,
            action=action,
            target=target,
            detail_json=json.dumps(detail, sort_keys=True, default=str),
        )
    )


def live_credential(
    engine: Engine, hash_column: sa.Column[Any], secret: str, *columns: sa.Column[Any], where: tuple[Any, ...] = ()
) -> sa.Row[Any] | None:
    """The user (``id``, ``org_id``, ``email``, ``role``) whom a live credential names, with ``columns`` of the
    credential's table (API tokens, web sessions): found by the SHA-256 of ``secret`` in ``hash_column``; None when
    unknown or expired, and when the credential's organisation is not its user's (fail closed)."""
    table = hash_column.table
    query = (
        sa.select(
            users.c.id,
            users.c.org_id,
            users.c.email,
            users.c.role,
            table.c.org_id.label("credential_org"),
            table.c.expires_at,
            *columns,
        )
        .select_from(table.join(users, users.c.id == table.c.user_id))
        .where(hash_column == token_digest(secret), *where)
    )
    with _reading(engine) as connection:
        row = connection.execute(query).first()
    if row is None or row.org_id != row.credential_org:
        return None
    expires = row.expires_at
    if expires is not None and (expires if expires.tzinfo else expires.replace(tzinfo=UTC)) <= _now():
        return None
    return row


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user of one organisation, with a role and the scope of the credential used."""

    user_id: int
    org_id: int
    email: str
    role: str
    scope: str = "write"

    @property
    def can_write(self) -> bool:
        return self.role in ("admin", "analyst") and self.scope == "write"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin" and self.scope == "write"


@dataclass(frozen=True)
class NetworkInfo:
    id: str
    name: str
    filename: str
    summary: Mapping[str, int]
    created_at: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "filename": self.filename,
            "summary": dict(self.summary),
            "created_at": self.created_at,
        }


@dataclass(frozen=True)
class RunInfo:
    id: str
    network_id: str
    analysis: str
    options: Mapping[str, Any]
    status: str
    progress: float
    message: str | None
    error: str | None
    created_at: str | None
    started_at: str | None
    finished_at: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "network_id": self.network_id,
            "analysis": self.analysis,
            "options": dict(self.options),
            "status": self.status,
            "progress": self.progress,
            "message": self.message,
            "error": self.error,
            "created_at": self.created_at,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
        }


def _run_info(row: RowMapping) -> RunInfo:
    return RunInfo(
        id=row["id"],
        network_id=row["network_id"],
        analysis=row["analysis"],
        options=json.loads(row["options_json"]),
        status=row["status"],
        progress=float(row["progress"]),
        message=row["message"],
        error=row["error"],
        created_at=_iso(row["created_at"]),
        started_at=_iso(row["started_at"]),
        finished_at=_iso(row["finished_at"]),
    )


def _network_info(row: RowMapping) -> NetworkInfo:
    return NetworkInfo(
        id=row["id"],
        name=row["name"],
        filename=row["filename"],
        summary=json.loads(row["summary_json"]),
        created_at=_iso(row["created_at"]),
    )


class Accounts:
    """Organisations, users and credentials (the only reader of users across organisations)."""

    def __init__(self, store: Store) -> None:
        self.engine = store.engine

    def create_user(self, email: str, org: str, role: str, password_hash: str | None, *, actor: str = "cli") -> Principal:
        """A user of organisation ``org`` (made when new); the email must be new."""
        email = email.strip().lower()
        if role not in ROLES:
            raise InputError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
        if "@" not in email or len(email) > 320:
            raise InputError(f"{email!r} is not an email address")
        if not org.strip():
            raise InputError("an organisation needs a name (--org NAME)")
        with _transaction(self.engine) as connection:
            if connection.execute(sa.select(users.c.id).where(users.c.email == email)).first() is not None:
                raise InputError(f"a user {email} exists already")
            org_id = connection.execute(
                sa.select(organisations.c.id).where(organisations.c.name == org.strip())
            ).scalar()
            if org_id is None:
                org_id = connection.execute(
                    organisations.insert().values(name=org.strip(), created_at=_now()).returning(organisations.c.id)
                ).scalar_one()
                _audit(connection, org_id, actor, "organisation.create", str(org_id), name=org.strip())
            user_id = connection.execute(
                users.insert()
                .values(org_id=org_id, email=email, password_hash=password_hash, role=role, created_at=_now())
                .returning(users.c.id)
            ).scalar_one()
            _audit(connection, org_id, actor, "user.create", str(user_id), email=email, role=role)
        return Principal(user_id, org_id, email, role)

    def has_users(self) -> bool:
        with _reading(self.engine) as connection:
            return connection.execute(sa.select(users.c.id).limit(1)).first() is not None

    def user_by_email(self, email: str) -> tuple[Principal, str | None] | None:
        """The user with this email and their password hash, or None."""
        with _reading(self.engine) as connection:
            row = (
                connection.execute(sa.select(users).where(users.c.email == email.strip().lower())).mappings().first()
            )
        if row is None:
            return None
        return Principal(row["id"], row["org_id"], row["email"], row["role"]), row["password_hash"]

    def issue_token(
        self,
        principal: Principal,
        *,
        name: str,
        scope: str = "write",
        lifetime: timedelta | None = None,
        actor: str | None = None,
    ) -> tuple[int, str]:
        """A new API token of ``principal`` (its id and the token text, shown once; only its hash is kept)."""
        if scope not in SCOPES:
            raise InputError(f"unknown scope {scope!r}: use one of {', '.join(SCOPES)}")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = _now()
        with _transaction(self.engine) as connection:
            token_id = connection.execute(
                api_tokens.insert()
                .values(
                    org_id=principal.org_id,
                    user_id=principal.user_id,
                    token_hash=token_digest(token),
                    name=name[:200],
                    scope=scope,
                    created_at=now,
                    expires_at=None if lifetime is None else now + lifetime,
                )
                .returning(api_tokens.c.id)
            ).scalar_one()
            _audit(connection, principal.org_id, actor or principal.email, "token.create", str(token_id), name=name)
        return token_id, token

    def principal_for_token(self, token: str) -> Principal | None:
        """Whose live token this is (None when unknown, revoked or expired), remembered a few seconds
        (:mod:`allyshore.store.credentials`; revoking a token forgets them)."""
        found = token_cache(self.engine).resolve(token, self.token_principal)
        return found if isinstance(found, Principal) else None

    def token_principal(self, token: str) -> tuple[Principal, datetime | None] | None:
        """Whose live token this is and when it expires (None: never); None when unknown, revoked or expired."""
        row = live_credential(
            self.engine,
            api_tokens.c.token_hash,
            token,
            api_tokens.c.scope,
            where=(api_tokens.c.revoked_at.is_(None),),
        )
        if row is None:
            return None
        expires = row.expires_at
        expires = None if expires is None else expires if expires.tzinfo else expires.replace(tzinfo=UTC)
        return Principal(row.id, row.org_id, row.email, row.role, row.scope), expires


class TenantStore:
    """An organisation's rows. Every query filters by ``org_id``; every row read is checked again."""

    def __init__(self, store: Store, org_id: int) -> None:
        self.engine = store.engine
        self.org_id = int(org_id)

    def _own(self, row: RowMapping | None, what: str, key: object) -> RowMapping:
        """``row`` when it is this organisation's; NotFoundError otherwise (missing or another's alike)."""
        if row is None or row["org_id"] != self.org_id:
            raise NotFoundError(f"no {what} {key}")
        return row

    # ------------------------------------------------------------------ networks

    def add_network(
        self, *, name: str, filename: str, network_json: str, summary: Mapping[str, int], actor: Principal
    ) -> NetworkInfo:
        network_id = uuid.uuid4().hex
        with _transaction(self.engine) as connection:
            connection.execute(
                networks.insert().values(
                    id=network_id,
                    org_id=self.org_id,
                    name=name[:400],
                    filename=filename[:400],
                    network_json=network_json,
                    summary_json=json.dumps(dict(summary), sort_keys=True),
                    content_hash=hashlib.sha256(network_json.encode()).hexdigest(),
                    created_by=actor.user_id,
                    created_at=_now(),
                )
            )
            _audit(connection, self.org_id, actor.email, "network.create", network_id, name=name, filename=filename)
        return self.network(network_id)

    def networks(self) -> list[NetworkInfo]:
        query = (
            sa.select(*_NETWORK_INFO)
            .where(networks.c.org_id == self.org_id)
            .order_by(networks.c.created_at, networks.c.id)
        )
        with _reading(self.engine) as connection:
            rows = connection.execute(query).mappings().all()
        return [_network_info(self._own(row, "network", row["id"])) for row in rows]

    def _network_row(
        self, connection: Connection, network_id: str, *extra: sa.Column[Any]
    ) -> RowMapping:
        """The network's row: its info columns and ``extra`` ones (the stored network is large: read when asked)."""
        row = (
            connection.execute(
                sa.select(*_NETWORK_INFO, *extra).where(
                    networks.c.id == str(network_id), networks.c.org_id == self.org_id
                )
            )
            .mappings()
            .first()
        )
        return self._own(row, "network", network_id)

    def network(self, network_id: str) -> NetworkInfo:
        with _reading(self.engine) as connection:
            return _network_info(self._network_row(connection, network_id))

    def network_json(self, network_id: str) -> str:
        with _reading(self.engine) as connection:
            return str(self._network_row(connection, network_id, networks.c.network_json)["network_json"])

    def delete_network(self, network_id: str, *, actor: Principal) -> None:
        """Delete a network and its runs."""
        with _transaction(self.engine) as connection:
            self._network_row(connection, network_id)
            connection.execute(sa.delete(runs).where(runs.c.network_id == network_id, runs.c.org_id == self.org_id))
            connection.execute(
                sa.delete(networks).where(networks.c.id == network_id, networks.c.org_id == self.org_id)
            )
            _audit(connection, self.org_id, actor.email, "network.delete", network_id)

    # ------------------------------------------------------------------ runs

    def create_run(self, network_id: str, analysis: str, options: Mapping[str, Any], *, actor: Principal) -> RunInfo:
        run_id = uuid.uuid4().hex
        with _transaction(self.engine) as connection:
            self._network_row(connection, network_id)
            connection.execute(
                runs.insert().values(
                    id=run_id,
                    org_id=self.org_id,
                    network_id=network_id,
                    analysis=analysis,
                    options_json=json.dumps(dict(options), sort_keys=True),
                    status="queued",
                    progress=0.0,
                    message="queued",
                    cancel_requested=False,
                    created_by=actor.user_id,
                    created_at=_now(),
                )
            )
            _audit(connection, self.org_id, actor.email, "run.create", run_id, analysis=analysis, network=network_id)
        return self.run(run_id)

    def _run_row(self, connection: Connection, run_id: str, *extra: sa.Column[Any]) -> RowMapping:
        """The run's row: its info columns and ``extra`` ones (a result or a report is large: read when asked)."""
        row = (
            connection.execute(
                sa.select(*_RUN_INFO, *extra).where(runs.c.id == str(run_id), runs.c.org_id == self.org_id)
            )
            .mappings()
            .first()
        )
        return self._own(row, "run", run_id)

    def run(self, run_id: str) -> RunInfo:
        with _reading(self.engine) as connection:
            return _run_info(self._run_row(connection, run_id))

    def runs(self, network_id: str | None = None) -> list[RunInfo]:
        query = sa.select(*_RUN_INFO).where(runs.c.org_id == self.org_id).order_by(runs.c.created_at, runs.c.id)
        if network_id is not None:
            query = query.where(runs.c.network_id == network_id)
        with _reading(self.engine) as connection:
            rows = connection.execute(query).mappings().all()
        return [_run_info(self._own(row, "run", row["id"])) for row in rows]

    def run_result(self, run_id: str) -> str | None:
        """The result JSON of a run (None until it has succeeded)."""
        with _reading(self.engine) as connection:
            row = self._run_row(connection, run_id, runs.c.result_json)
        return None if row["result_json"] is None else str(row["result_json"])

    def run_report(self, run_id: str) -> str | None:
        """The HTML report section(s) of a run (None when it has none)."""
        with _reading(self.engine) as connection:
            row = self._run_row(connection, run_id, runs.c.report_html)
        return None if row["report_html"] is None else str(row["report_html"])

    def cancel_run(self, run_id: str, *, actor: Principal) -> RunInfo:
        """Cancel a queued run at once; ask a running one to stop (it stops at its next progress report)."""
        with _transaction(self.engine) as connection:
            row = self._run_row(connection, run_id)
            if row["status"] == "queued":
                connection.execute(
                    sa.update(runs)
                    .where(runs.c.id == run_id, runs.c.org_id == self.org_id, runs.c.status == "queued")
                    .values(status="cancelled", message="cancelled", finished_at=_now(), cancel_requested=True)
                )
            elif row["status"] == "running":
                connection.execute(
                    sa.update(runs)
                    .where(runs.c.id == run_id, runs.c.org_id == self.org_id)
                    .values(cancel_requested=True, message="cancelling")
                )
            _audit(connection, self.org_id, actor.email, "run.cancel", run_id, status=row["status"])
        return self.run(run_id)

    # ------------------------------------------------------------------ members, tokens, audit

    def members(self) -> list[dict[str, Any]]:
        query = sa.select(users).where(users.c.org_id == self.org_id).order_by(users.c.id)
        with _reading(self.engine) as connection:
            rows = connection.execute(query).mappings().all()
        return [
            {"id": r["id"], "email": r["email"], "role": r["role"], "created_at": _iso(r["created_at"])}
            for r in (self._own(row, "member", row["id"]) for row in rows)
        ]

    def tokens(self, user_id: int | None = None) -> list[dict[str, Any]]:
        query = sa.select(api_tokens).where(api_tokens.c.org_id == self.org_id).order_by(api_tokens.c.id)
        if user_id is not None:
            query = query.where(api_tokens.c.user_id == user_id)
        with _reading(self.engine) as connection:
            rows = connection.execute(query).mappings().all()
        return [
            {
                "id": r["id"],
                "user_id": r["user_id"],
                "name": r["name"],
                "scope": r["scope"],
                "created_at": _iso(r["created_at"]),
                "expires_at": _iso(r["expires_at"]),
                "revoked": r["revoked_at"] is not None,
            }
            for r in (self._own(row, "token", row["id"]) for row in rows)
        ]

    def revoke_token(self, token_id: int, *, actor: Principal, own_only: bool) -> None:
        """Revoke a token of this organisation (only the actor's own when ``own_only``)."""
        with _transaction(self.engine) as connection:
            row = (
                connection.execute(
                    sa.select(api_tokens).where(api_tokens.c.id == token_id, api_tokens.c.org_id == self.org_id)
                )
                .mappings()
                .first()
            )
            row = self._own(row, "token", token_id)
            if own_only and row["user_id"] != actor.user_id:
                raise NotFoundError(f"no token {token_id}")
            connection.execute(
                sa.update(api_tokens)
                .where(api_tokens.c.id == token_id, api_tokens.c.org_id == self.org_id)
                .values(revoked_at=_now())
            )
            _audit(connection, self.org_id, actor.email, "token.revoke", str(token_id))
        token_cache(self.engine).clear()  # the revoked token stops working at once in this process

    def record(self, actor: Principal, action: str, target: str | None = None, **detail: Any) -> None:
        """Append one audit row (for actions that write nothing else, such as a sign-in)."""
        with _transaction(self.engine) as connection:
            _audit(connection, self.org_id, actor.email, action, target, **detail)

    def audit(self, limit: int = 500) -> list[dict[str, Any]]:
        query = sa.select(audit).where(audit.c.org_id == self.org_id).order_by(audit.c.id.desc()).limit(limit)
        with _reading(self.engine) as connection:
            rows = connection.execute(query).mappings().all()
        return [
            {
                "id": r["id"],
                "at": _iso(r["at"]),
                "actor": r["actor"],
                "action": r["action"],
                "target": r["target"],
                "detail": json.loads(r["detail_json"]),
            }
            for r in (self._own(row, "audit row", row["id"]) for row in rows)
        ]


@dataclass(frozen=True)
class ClaimedRun:
    """A run a worker has claimed: what to run, on which network (its stored JSON)."""

    id: str
    org_id: int
    analysis: str
    options: Mapping[str, Any]
    network_json: str
    network_name: str


class RunQueue:
    """The job runner's view of the runs of every organisation (never used by a route)."""

    def __init__(self, store: Store) -> None:
        self.engine = store.engine

    def claim(self, worker: str, lease: timedelta = LEASE) -> ClaimedRun | None:
        """Take the oldest queued run and mark it running, atomically: two workers never take the same run. The
        run is ``worker``'s for ``lease``, renewed by :meth:`renew` while the worker lives."""
        with _transaction(self.engine) as connection:
            row = (
                connection.execute(
                    sa.select(runs.c.id, runs.c.org_id, runs.c.network_id, runs.c.analysis, runs.c.options_json)
                    .where(runs.c.status == "queued")
                    .order_by(runs.c.created_at, runs.c.id)
                    .limit(1)
                    .with_for_update(skip_locked=True)
                )
                .mappings()
                .first()
            )
            if row is None:
                return None
            claimed = connection.execute(
                sa.update(runs)
                .where(runs.c.id == row["id"], runs.c.status == "queued")
                .values(
                    status="running", started_at=_now(), worker=worker[:200], message="started", lease_until=_now() + lease
                )
            ).rowcount
            if claimed != 1:
                return None
            network = connection.execute(
                sa.select(networks.c.network_json, networks.c.name).where(
                    networks.c.id == row["network_id"], networks.c.org_id == row["org_id"]
                )
            ).one()
        return ClaimedRun(
            row["id"], row["org_id"], row["analysis"], json.loads(row["options_json"]), network[0], network[1]
        )

    def renew(self, worker_prefix: str, lease: timedelta = LEASE) -> int:
        """The heartbeat: extend the lease of every running run of the workers named ``worker_prefix...``; how
        many."""
        with _transaction(self.engine) as connection:
            renewed = connection.execute(
                sa.update(runs)
                .where(runs.c.status == "running", runs.c.worker.startswith(worker_prefix, autoescape=True))
                .values(lease_until=_now() + lease)
            ).rowcount
        return int(renewed)

    def report(self, run_id: str, progress: float, message: str | None = None) -> bool:
        """Record progress (0..1) of a running run; True when its cancellation was asked for."""
        values: dict[str, Any] = {"progress": min(max(float(progress), 0.0), 1.0)}
        if message is not None:
            values["message"] = message[:1000]
        with _transaction(self.engine) as connection:
            connection.execute(
                sa.update(runs).where(runs.c.id == run_id, runs.c.status == "running").values(**values)
            )
            asked = connection.execute(sa.select(runs.c.cancel_requested).where(runs.c.id == run_id)).scalar()
        return bool(asked)

    def finish(
        self,
        run_id: str,
        status: str,
        *,
        result_json: str | None = None,
        report_html: str | None = None,
        error: str | None = None,
    ) -> None:
        """End a running run: succeeded (with its result), failed (with the error) or cancelled."""
        if status not in FINISHED:
            raise InputError(f"a run finishes as one of {', '.join(FINISHED)}, not {status!r}")
        values: dict[str, Any] = {"status": status, "finished_at": _now(), "message": status}
        if status == "succeeded":
            values.update(progress=1.0, result_json=result_json, report_html=report_html)
        if error is not None:
            values["error"] = error[:4000]
        with _transaction(self.engine) as connection:
            org_id = connection.execute(sa.select(runs.c.org_id).where(runs.c.id == run_id)).scalar()
            connection.execute(sa.update(runs).where(runs.c.id == run_id, runs.c.status == "running").values(**values))
            _audit(connection, org_id, "runner", f"run.{status}", run_id)

    def recover_interrupted(
        self,
        worker_prefix: str | None = None,
        alive: Callable[[str], bool] | None = None,
        *,
        lease_expired: bool = False,
    ) -> int:
        """Mark the runs left 'running' (by a process that died) as failed, "interrupted"; how many.

        ``worker_prefix`` limits it to the runs of workers whose name starts with it, and ``alive(worker)`` spares
        the runs of workers still alive (a worker starting on a shared queue recovers the dead workers' runs of
        its host at once); ``lease_expired`` limits it to the runs whose lease ran out (their worker, on any host,
        stopped renewing it: any worker may recover them). None and False for all recovers every running run."""
        query = sa.select(runs.c.id, runs.c.org_id, runs.c.worker).where(runs.c.status == "running")
        if worker_prefix is not None:
            query = query.where(runs.c.worker.startswith(worker_prefix, autoescape=True))
        now = _now()
        expired = sa.or_(runs.c.lease_until.is_(None), runs.c.lease_until < now)
        if lease_expired:
            query = query.where(expired)
        done = 0
        with _transaction(self.engine) as connection:
            rows = [r for r in connection.execute(query).all() if alive is None or not alive(r.worker or "")]
            for run_id, org_id, _ in rows:
                update = sa.update(runs).where(runs.c.id == run_id, runs.c.status == "running")
                if lease_expired:  # a heartbeat committed since the select keeps the run its worker's
                    update = update.where(expired)
                changed = connection.execute(
                    update.values(status="failed", error=INTERRUPTED, message="interrupted", finished_at=now)
                ).rowcount
                if changed:
                    _audit(connection, org_id, "runner", "run.interrupted", run_id)
                    done += 1
        return done
