"""Double-submit CSRF protection for cookie-authenticated requests.

Browsers send cookies on cross-site requests, but a page on another origin cannot read our
CSRF cookie, so it cannot copy it into the `X-CSRF-Token` header. Bearer-token requests need
no check: a browser never attaches that header on its own.
"""

from __future__ import annotations

import secrets

from toneshootout.server.auth.errors import CsrfFailed

CSRF_HEADER = "X-CSRF-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def new_csrf_token() -> str:
    """A fresh random value for the readable CSRF cookie."""
    return secrets.token_urlsafe(32)


def check_double_submit(method: str, *, cookie: str | None, header: str | None) -> None:
    """Raise `CsrfFailed` unless a safe method, or the header equals the cookie."""
    if method.upper() not in UNSAFE_METHODS:
        return
    if not cookie or not header:
        raise CsrfFailed(f"cookie-authenticated {method} needs the {CSRF_HEADER} header")
    if not secrets.compare_digest(cookie.encode(), header.encode()):
        raise CsrfFailed(f"the {CSRF_HEADER} header does not match the CSRF cookie")
