"""The web pages' session cookie and CSRF tokens.

- The session cookie holds a 256-bit random id (the store keeps its hash: :mod:`allyshore.store.sessions`):
  HttpOnly, SameSite=Lax, Path=/, Secure when the request came over HTTPS, and expiring with the session.
- Every form of a signed-in page carries the session's CSRF secret in a hidden field (``csrf_token``); htmx
  requests send it as the ``X-CSRF-Token`` header (``hx-headers`` on the page's body). Every POST of a page is
  refused (403) unless one of the two matches, compared in constant time.
- The sign-in form, before any session, carries a random value that is also set in a short-lived cookie of its
  own (double submit), so that another site cannot sign a browser in to an account of its choosing.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta

from fastapi import Request, Response
from starlette.datastructures import FormData

from allyshore.store.sessions import OpenedSession, SignedIn, WebSessions

COOKIE = "allyshore_session"
SIGN_IN_COOKIE = "allyshore_sign_in"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
LIFETIME = timedelta(hours=12)
SIGN_IN_FORM_LIFETIME = timedelta(hours=1)


class SignInRequired(Exception):
    """No live session: the page sends the browser to the sign-in page."""


class PageError(Exception):
    """A page's refusal, shown as an error page with its status."""

    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status, self.title, self.message = status, title, message


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def _set(response: Response, request: Request, name: str, value: str, lifetime: timedelta, path: str = "/") -> None:
    response.set_cookie(
        name,
        value,
        max_age=int(lifetime.total_seconds()),
        path=path,
        httponly=True,
        samesite="lax",
        secure=is_https(request),
    )


def set_session_cookie(response: Response, request: Request, opened: OpenedSession) -> None:
    _set(response, request, COOKIE, opened.token, LIFETIME)


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax", secure=is_https(request))


def signed_in(request: Request) -> SignedIn | None:
    """The live session of the request's cookie, or None."""
    token = request.cookies.get(COOKIE, "")
    if not token or len(token) > 200:
        return None
    return WebSessions(request.app.state.store).resolve(token)


def current(request: Request) -> SignedIn:
    """The live session of the request (SignInRequired when there is none)."""
    found = signed_in(request)
    if found is None:
        raise SignInRequired
    return found


def _matches(expected: str, given: object) -> bool:
    return bool(expected) and isinstance(given, str) and hmac.compare_digest(expected.encode(), given.encode())


def check_csrf(request: Request, session: SignedIn, form: FormData) -> None:
    """Refuse (403) a POST whose form field or ``X-CSRF-Token`` header does not carry the session's secret."""
    if not (_matches(session.csrf, form.get(CSRF_FIELD)) or _matches(session.csrf, request.headers.get(CSRF_HEADER))):
        raise PageError(
            403,
            "The form has expired",
            "The form did not carry this session's security token. Reload the page and send it again.",
        )


def sign_in_value() -> str:
    """A new value for the sign-in form (and its cookie: :func:`remember_sign_in_form`)."""
    return secrets.token_urlsafe(32)


def remember_sign_in_form(response: Response, request: Request, value: str) -> None:
    _set(response, request, SIGN_IN_COOKIE, value, SIGN_IN_FORM_LIFETIME, path="/sign-in")


def check_sign_in_form(request: Request, form: FormData) -> None:
    """Refuse (403) a sign-in whose form value is not the one its cookie holds."""
    if not _matches(request.cookies.get(SIGN_IN_COOKIE, ""), form.get(CSRF_FIELD)):
        raise PageError(
            403,
            "The sign-in form has expired",
            "The sign-in form did not carry its security token. Open the sign-in page again and sign in.",
        )


def clear_sign_in_form(response: Response, request: Request) -> None:
    response.delete_cookie(SIGN_IN_COOKIE, path="/sign-in", httponly=True, samesite="lax", secure=is_https(request))
