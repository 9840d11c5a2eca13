"""The short-lived memory of resolved bearer tokens, one per database engine (per server process).

Resolving a token is a query; a burst of requests with the same token would make it once each. A
:class:`TokenCache` remembers whose a token is for a few seconds (never past the token's expiry), keyed by the
token's SHA-256 (no token text is kept). Revoking a token through the store (:meth:`TenantStore.revoke_token
<allyshore.store.tenancy.TenantStore.revoke_token>`) clears the engine's cache, so a revocation holds at once in
the process that made it, and within :data:`SECONDS` in the server's other processes.
"""

from __future__ import annotations

import hashlib
import threading
import time
import weakref
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Generic, TypeVar

from sqlalchemy.engine import Engine

T = TypeVar("T")
#: How long a resolved token is remembered.
SECONDS = 5.0


class TokenCache(Generic[T]):
    """Who a token is, remembered for ``seconds`` and never past its expiry; at most ``size`` tokens (all
    forgotten when full)."""

    def __init__(self, seconds: float = SECONDS, size: int = 10_000) -> None:
        self.seconds = seconds
        self.size = size
        self._known: dict[str, tuple[T, float]] = {}
        self._lock = threading.Lock()

    def resolve(self, token: str, look_up: Callable[[str], tuple[T, datetime | None] | None]) -> T | None:
        """The token's principal, from the cache or ``look_up(token)`` (principal and expiry, or None)."""
        key = hashlib.sha256(token.encode()).hexdigest()
        now = time.monotonic()
        with self._lock:
            known = self._known.get(key)
        if known is not None and known[1] > now:
            return known[0]
        found = look_up(token)
        if found is None:
            return None
        principal, expires = found
        until = now + self.seconds
        if expires is not None:
            until = min(until, now + (expires - datetime.now(UTC)).total_seconds())
        with self._lock:
            if len(self._known) >= self.size:
                self._known.clear()
            self._known[key] = (principal, until)
        return principal

    def clear(self) -> None:
        with self._lock:
            self._known.clear()


_CACHES: weakref.WeakKeyDictionary[Engine, TokenCache[object]] = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


def token_cache(engine: Engine) -> TokenCache[object]:
    """The token cache of ``engine`` (made on first use)."""
    with _CACHES_LOCK:
        cache = _CACHES.get(engine)
        if cache is None:
            cache = _CACHES[engine] = TokenCache()
        return cache
