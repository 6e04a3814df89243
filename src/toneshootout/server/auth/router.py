"""HTTP routes of accounts and sessions: parse, call the service, set cookies, respond."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from toneshootout.server.auth import service
from toneshootout.server.auth.cookies import clear_session_cookies, set_session_cookies
from toneshootout.server.auth.deps import (
    AuthenticatedDep,
    CurrentUser,
    NowDep,
    RefreshSessionDep,
    RefreshTokenDep,
)
from toneshootout.server.auth.schemas import (
    AccountDeletion,
    Credentials,
    PasswordChange,
    Registration,
    TokenPair,
    UserOut,
)
from toneshootout.server.auth.service import IssuedTokens
from toneshootout.server.deps import SessionDep, SettingsDep, StorageDep
from toneshootout.server.http.ratelimit import ClientIpDep, RateLimiterDep
from toneshootout.settings import Settings

router = APIRouter(tags=["auth"])


def _respond(response: Response, settings: Settings, tokens: IssuedTokens) -> TokenPair:
    set_session_cookies(
        response,
        settings.auth,
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
    )
    return TokenPair(
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        expires_in=tokens.expires_in,
    )


@router.post("/auth/register", status_code=status.HTTP_201_CREATED)
async def register(
    *,
    body: Registration,
    session: SessionDep,
    settings: SettingsDep,
    limiter: RateLimiterDep,
    client_ip: ClientIpDep,
    now: NowDep,
) -> UserOut:
    """Create an account from an email and a password (8 to 256 characters)."""
    user = await service.register(
        session,
        auth=settings.auth,
        limiter=limiter,
        client_ip=client_ip,
        email=body.email,
        password=body.password,
        now=now,
    )
    return UserOut.model_validate(user, from_attributes=True)


@router.post("/auth/login")
async def login(
    *,
    body: Credentials,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    limiter: RateLimiterDep,
    client_ip: ClientIpDep,
    now: NowDep,
) -> TokenPair:
    """Sign in: returns bearer tokens and sets the browser session and CSRF cookies."""
    tokens = await service.login(
        session,
        auth=settings.auth,
        limiter=limiter,
        client_ip=client_ip,
        email=body.email,
        password=body.password,
        now=now,
    )
    return _respond(response, settings, tokens)


@router.post("/auth/refresh")
async def refresh(
    *,
    refresh_token: RefreshTokenDep,
    response: Response,
    session: RefreshSessionDep,
    settings: SettingsDep,
    limiter: RateLimiterDep,
    client_ip: ClientIpDep,
    now: NowDep,
) -> TokenPair:
    """Exchange a refresh token (body or cookie) for a new pair; each one works only once."""
    tokens = await service.refresh(
        session,
        auth=settings.auth,
        limiter=limiter,
        client_ip=client_ip,
        refresh_token=refresh_token,
        now=now,
    )
    return _respond(response, settings, tokens)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(
    *,
    caller: AuthenticatedDep,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
) -> None:
    """End this session: its refresh token and access tokens stop working at once."""
    await service.logout(session, user=caller.user, session_id=caller.session_id, now=now)
    clear_session_cookies(response, settings.auth)


@router.post("/auth/logout-all", status_code=status.HTTP_204_NO_CONTENT)
async def logout_all(
    *,
    user: CurrentUser,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
) -> None:
    """End every session of this account, on every device."""
    await service.logout_everywhere(session, user=user, now=now)
    clear_session_cookies(response, settings.auth)


@router.get("/me")
async def me(user: CurrentUser) -> UserOut:
    """The signed-in account."""
    return UserOut.model_validate(user, from_attributes=True)


@router.post("/me/password")
async def change_password(
    *,
    body: PasswordChange,
    user: CurrentUser,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
) -> TokenPair:
    """Change the password; other sessions end, and this client gets a fresh token pair."""
    tokens = await service.change_password(
        session,
        auth=settings.auth,
        user=user,
        current_password=body.current_password,
        new_password=body.new_password,
        now=now,
    )
    return _respond(response, settings, tokens)


@router.delete("/me", status_code=status.HTTP_204_NO_CONTENT)
async def delete_me(
    *,
    body: AccountDeletion,
    user: CurrentUser,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    storage: StorageDep,
) -> None:
    """Delete the account, confirmed by its password: every row and stored file goes."""
    await service.delete_account(session, storage=storage, user=user, password=body.password)
    clear_session_cookies(response, settings.auth)
