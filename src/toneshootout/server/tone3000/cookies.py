"""The sign-in binding cookie: ties a TONE3000 round trip to the browser that began it (REQ-04).

Named `__Host-ts_t3k_state` when the deployment's cookies are Secure: the prefix makes the
browser refuse it unless it is Secure, host-only (no Domain) and Path=/, so a sibling
subdomain cannot plant its own value. Over plain http (development, `auth.cookie_secure`
false) a `__Host-` cookie would be dropped by the browser, so it is then `ts_t3k_state`,
like the session cookies in `auth.cookies`. SameSite=Lax: the callback is a top-level GET
navigation from TONE3000's site, which Lax cookies accompany and Strict ones would not.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from toneshootout.settings import AuthSettings

STATE_COOKIE = "ts_t3k_state"
SECURE_STATE_COOKIE = "__Host-ts_t3k_state"


def state_cookie_name(auth: AuthSettings) -> str:
    return SECURE_STATE_COOKIE if auth.cookie_secure else STATE_COOKIE


def read_state_cookie(request: Request, auth: AuthSettings) -> str | None:
    return request.cookies.get(state_cookie_name(auth))


def set_state_cookie(response: Response, auth: AuthSettings, value: str, *, max_age: int) -> None:
    response.set_cookie(
        state_cookie_name(auth),
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        secure=auth.cookie_secure,
        samesite="lax",
    )
