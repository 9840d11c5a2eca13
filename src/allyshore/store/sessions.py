"""The web pages' sign-in sessions (migration 0006): server-side, the cookie holding only a random id.

A session is made when someone signs in on the sign-in page. The browser keeps a 256-bit random session id in
an HttpOnly cookie; the table keeps its SHA-256 (a stolen copy of the table signs nobody in), the organisation and
user it signs in, its expiry, and the secret that every form of the session carries as its CSRF token.

:meth:`WebSessions.resolve` is, like :meth:`allyshore.store.tenancy.Accounts.principal_for_token`, the one reader
across organisations (it must find whose a cookie is) and returns only the principal; it fails closed when the
session's organisation is not its user's. Ending a session (:meth:`WebSessions.close`) is scoped by the
organisation, and every session write runs in one transaction with its audit row.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from allyshore.store.store import Store
from allyshore.store.tenancy import Principal, _audit, _meta, _now, _transaction, live_credential, token_digest

web_sessions = sa.Table(
    "web_sessions",
    _meta,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("session_hash", sa.String),
    sa.Column("org_id", sa.Integer),
    sa.Column("user_id", sa.Integer),
    sa.Column("csrf_secret", sa.String),
    sa.Column("created_at", sa.DateTime(timezone=True)),
    sa.Column("expires_at", sa.DateTime(timezone=True)),
)


@dataclass(frozen=True)
class OpenedSession:
    """A new session: the id for the cookie (shown once; only its hash is kept), its CSRF secret and expiry."""

    token: str
    csrf: str
    expires_at: datetime


@dataclass(frozen=True)
class SignedIn:
    """Who a live session signs in, and the secret its forms carry."""

    principal: Principal
    csrf: str
    expires_at: datetime


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class WebSessions:
    """Sessions of the web pages."""

    def __init__(self, store: Store) -> None:
        self.engine = store.engine

    def open(self, principal: Principal, lifetime: timedelta) -> OpenedSession:
        """A new session of ``principal`` valid for ``lifetime`` (the expired sessions of its organisation go)."""
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        now = _now()
        with _transaction(self.engine) as connection:
            connection.execute(
                sa.delete(web_sessions).where(
                    web_sessions.c.org_id == principal.org_id, web_sessions.c.expires_at <= now
                )
            )
            session_id = connection.execute(
                web_sessions.insert()
                .values(
                    session_hash=token_digest(token),
                    org_id=principal.org_id,
                    user_id=principal.user_id,
                    csrf_secret=csrf,
                    created_at=now,
                    expires_at=now + lifetime,
                )
                .returning(web_sessions.c.id)
            ).scalar_one()
            _audit(connection, principal.org_id, principal.email, "session.create", str(session_id))
        return OpenedSession(token, csrf, now + lifetime)

    def resolve(self, token: str) -> SignedIn | None:
        """Whose live session ``token`` is (None when unknown or expired); the user's current role."""
        row = live_credential(self.engine, web_sessions.c.session_hash, token, web_sessions.c.csrf_secret)
        if row is None:
            return None
        return SignedIn(Principal(row.id, row.org_id, row.email, row.role), row.csrf_secret, _aware(row.expires_at))

    def close(self, token: str, principal: Principal) -> bool:
        """End the session ``token`` of ``principal``'s organisation (sign-out); whether there was one."""
        with _transaction(self.engine) as connection:
            gone = connection.execute(
                sa.delete(web_sessions).where(
                    web_sessions.c.session_hash == token_digest(token),
                    web_sessions.c.org_id == principal.org_id,
                    web_sessions.c.user_id == principal.user_id,
                )
            ).rowcount
            if gone:
                _audit(connection, principal.org_id, principal.email, "session.delete", None)
        return bool(gone)

    def count(self, principal: Principal) -> int:
        """How many live sessions ``principal`` has (in its organisation)."""
        query = sa.select(sa.func.count()).where(
            web_sessions.c.org_id == principal.org_id,
            web_sessions.c.user_id == principal.user_id,
            web_sessions.c.expires_at > _now(),
        )
        with self.engine.connect() as connection:
            return int(connection.execute(query).scalar_one())
