"""Who is calling: `CurrentUser` / `OptionalUser`, the clock, and the refresh-token source.

Credentials come from the `Authorization: Bearer` header first, else the access cookie. A
cookie-authenticated unsafe request must also pass the double-submit CSRF check; a bearer one
needs none, since browsers never attach that header by themselves.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Body, Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from toneshootout.server.auth import service
from toneshootout.server.auth.cookies import ACCESS_COOKIE, CSRF_COOKIE, REFRESH_COOKIE
from toneshootout.server.auth.csrf import CSRF_HEADER, check_double_submit
from toneshootout.server.auth.errors import InvalidToken, NotAuthenticated, RefreshTokenReused
from toneshootout.server.auth.schemas import RefreshRequest
from toneshootout.server.db.models.user import User
from toneshootout.server.db.session import owned
from toneshootout.server.deps import ServicesDep, SessionDep, SettingsDep
from toneshootout.server.logging import bind_user_id

# auto_error=False: we raise our own domain errors, so every failure has the standard body.
_bearer = HTTPBearer(auto_error=False, description="An access token from /auth/login")
_access_cookie = APIKeyCookie(name=ACCESS_COOKIE, auto_error=False)


def get_now() -> datetime:
    """The current UTC time; tests override this dependency to move the clock."""
    return datetime.now(UTC)


NowDep = Annotated[datetime, Depends(get_now)]


@dataclass(frozen=True)
class Authenticated:
    """A verified caller: the user, their session (refresh family) and how they proved it."""

    user: User
    session_id: uuid.UUID
    via_cookie: bool


async def _authenticate(
    request: Request,
    session: AsyncSession,
    settings: SettingsDep,
    bearer: HTTPAuthorizationCredentials | None,
    cookie: str | None,
) -> Authenticated | None:
    if bearer is not None:
        token, via_cookie = bearer.credentials, False
    elif "authorization" in request.headers:  # present but not a usable bearer token
        raise InvalidToken("the Authorization header must be 'Bearer <access token>'")
    elif cookie:
        token, via_cookie = cookie, True
    else:
        return None
    if via_cookie:
        check_double_submit(
            request.method,
            cookie=request.cookies.get(CSRF_COOKIE),
            header=request.headers.get(CSRF_HEADER),
        )
    user, claims = await service.authenticate(session, auth=settings.auth, access_token=token)
    bind_user_id(user.id)  # every later log record of this request names the user
    return Authenticated(user=user, session_id=claims.session_id, via_cookie=via_cookie)


async def get_optional_authenticated(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    cookie: Annotated[str | None, Depends(_access_cookie)],
) -> Authenticated | None:
    """The caller if credentials were sent (invalid ones are still refused), else None."""
    return await _authenticate(request, session, settings, bearer, cookie)


OptionalAuthenticated = Annotated[Authenticated | None, Depends(get_optional_authenticated)]


async def get_authenticated(caller: OptionalAuthenticated) -> Authenticated:
    """The verified caller; `NotAuthenticated` when no credentials were sent."""
    if caller is None:
        raise NotAuthenticated("sign in first: send a bearer token or the session cookie")
    return caller


AuthenticatedDep = Annotated[Authenticated, Depends(get_authenticated)]


async def get_current_user(caller: AuthenticatedDep) -> User:
    return caller.user


async def get_optional_user(caller: OptionalAuthenticated) -> User | None:
    return caller.user if caller else None


CurrentUser = Annotated[User, Depends(get_current_user)]
OptionalUser = Annotated[User | None, Depends(get_optional_user)]


async def get_refresh_token(
    request: Request, body: Annotated[RefreshRequest | None, Body()] = None
) -> str:
    """The refresh token from the JSON body, else from the cookie (then CSRF-checked)."""
    if body is not None and body.refresh_token:
        return body.refresh_token
    cookie = request.cookies.get(REFRESH_COOKIE)
    if not cookie:
        raise NotAuthenticated("send the refresh token in the body or the session cookie")
    check_double_submit(
        request.method,
        cookie=request.cookies.get(CSRF_COOKIE),
        header=request.headers.get(CSRF_HEADER),
    )
    return cookie


RefreshTokenDep = Annotated[str, Depends(get_refresh_token)]


async def get_refresh_session(services: ServicesDep) -> AsyncIterator[AsyncSession]:
    """Like `SessionDep`, except that detected token reuse still commits the revocation.

    Reuse must both answer 401 and revoke the family for good; a plain request session would
    roll the revocation back together with the error.
    """
    async with owned(services.sessionmaker, commit_despite=(RefreshTokenReused,)) as session:
        yield session


RefreshSessionDep = Annotated[AsyncSession, Depends(get_refresh_session, scope="function")]
