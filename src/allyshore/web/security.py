"""Passwords (Argon2id), the sign-in rate limit, and the short-lived cache of resolved bearer tokens."""

from __future__ import annotations

import hashlib
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Generic, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

T = TypeVar("T")

_HASHER = PasswordHasher()
#: Verified against when the user does not exist, so that an unknown email costs the same time as a wrong password.
_DUMMY = _HASHER.hash("not a password of anyone")


def hash_password(password: str) -> str:
    """The Argon2id hash of ``password`` (salted; parameters in the hash)."""
    return _HASHER.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored`` (None: no password set, always False, same cost)."""
    try:
        return _HASHER.verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


class RateLimit:
    """At most ``attempts`` failed sign-ins per key (email, client address) within ``window`` seconds."""

    def __init__(self, attempts: int = 10, window: float = 300.0) -> None:
        self.attempts = attempts
        self.window = window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        seen = self._failures.setdefault(key, deque())
        while seen and seen[0] <= now - self.window:
            seen.popleft()
        return seen

    def blocked(self, *keys: str) -> bool:
        now = time.monotonic()
        with self._lock:
            return any(len(self._recent(k, now)) >= self.attempts for k in keys)

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)


class TokenCache(Generic[T]):
    """Who a bearer token is, remembered for ``seconds`` (and never past the token's expiry), so that a burst of
    requests does not look the same token up once each.

    Keys are the tokens' SHA-256 (no token text is kept). :meth:`clear` forgets everything: call it when a token
    is revoked, so that the revocation holds at once in this process (in the server's other processes, within
    ``seconds``). At most ``size`` tokens are kept (all forgotten when full)."""

    def __init__(self, seconds: float = 5.0, size: int = 10_000) -> None:
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
