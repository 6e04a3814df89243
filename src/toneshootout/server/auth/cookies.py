"""The browser session cookies: httpOnly access and refresh tokens, a readable CSRF token."""

from __future__ import annotations

from fastapi import Response

from toneshootout.server.auth.csrf import new_csrf_token
from toneshootout.settings import AuthSettings

ACCESS_COOKIE = "ts_access"
REFRESH_COOKIE = "ts_refresh"
CSRF_COOKIE = "ts_csrf"
# The refresh token is only ever sent to the auth endpoints, never to the rest of the API.
REFRESH_COOKIE_PATH = "/api/v1/auth"


def set_session_cookies(
    response: Response, auth: AuthSettings, *, access_token: str, refresh_token: str
) -> None:
    """Attach the three session cookies (a new CSRF value each time) to `response`."""
    response.set_cookie(
        ACCESS_COOKIE,
        access_token,
        max_age=auth.access_ttl_seconds,
        path="/",
        httponly=True,
        secure=auth.cookie_secure,
        samesite="lax",
    )
    response.set_cookie(
        REFRESH_COOKIE,
        refresh_token,
        max_age=auth.refresh_idle_seconds,
        path=REFRESH_COOKIE_PATH,
        httponly=True,
        secure=auth.cookie_secure,
        samesite="lax",
    )
    response.set_cookie(
        CSRF_COOKIE,
        new_csrf_token(),
        max_age=auth.refresh_idle_seconds,
        path="/",
        httponly=False,  # the page's script reads it and echoes it in X-CSRF-Token
        secure=auth.cookie_secure,
        samesite="lax",
    )


def clear_session_cookies(response: Response, auth: AuthSettings) -> None:
    """Tell the browser to drop the session cookies."""
    for name, path in (
        (ACCESS_COOKIE, "/"),
        (REFRESH_COOKIE, REFRESH_COOKIE_PATH),
        (CSRF_COOKIE, "/"),
    ):
        response.delete_cookie(name, path=path, secure=auth.cookie_secure, samesite="lax")
