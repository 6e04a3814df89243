"""Who is looking at a page: the session cookie's user, or a redirect to sign in.

Pages read the same httpOnly access cookie the API does. An absent, expired or revoked one is
not an error on a page: a private page answers 303 to `/login?next=<path>`, whose script first
tries the refresh cookie (so an expired 15-minute access token costs one round trip, not a
sign-in) and only then shows the form.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse

from toneshootout.server.auth import service as auth_service
from toneshootout.server.auth.cookies import ACCESS_COOKIE
from toneshootout.server.db.models.user import User
from toneshootout.server.deps import SessionDep, SettingsDep
from toneshootout.server.errors import Forbidden, Unauthorized
from toneshootout.server.logging import bind_user_id


class LoginRequired(Exception):
    """A private page was asked for without a usable session."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


async def get_page_user(
    request: Request, session: SessionDep, settings: SettingsDep
) -> User | None:
    """The signed-in user from the access cookie; None when it is missing or no longer valid."""
    token = request.cookies.get(ACCESS_COOKIE)
    if not token:
        return None
    try:
        user, _claims = await auth_service.authenticate(
            session, auth=settings.auth, access_token=token
        )
    except (Unauthorized, Forbidden):  # expired, revoked, disabled: sign in again
        return None
    bind_user_id(user.id)
    return user


MaybePageUser = Annotated[User | None, Depends(get_page_user)]


async def require_page_user(request: Request, user: MaybePageUser) -> User:
    """The signed-in user, else `LoginRequired` (answered with a redirect to `/login`)."""
    if user is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target)
    return user


PageUser = Annotated[User, Depends(require_page_user)]


def safe_next(value: str | None, default: str = "/shootouts") -> str:
    """`value` if it is a path on this site (`/x`, not `//host` or `https://…`), else `default`."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or any(ord(c) < 0x20 for c in value):
        return default
    return value


def login_url(next_path: str) -> str:
    return "/login?next=" + quote(safe_next(next_path), safe="/")


async def redirect_to_login(request: Request, exc: Exception) -> RedirectResponse:
    """Exception handler: a private page without a session goes to the sign-in page."""
    assert isinstance(exc, LoginRequired)
    return RedirectResponse(login_url(exc.next_path), status_code=303)
