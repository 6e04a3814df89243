"""Account and session rules: sign up, sign in, rotate, sign out, change password, delete.

"Now" is always a parameter, so tests move the clock without patching anything. A session is
a refresh-token family; every access token names its family, so ending the family ends them.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from toneshootout.server.auth import repository
from toneshootout.server.auth.audit import security_event
from toneshootout.server.auth.errors import (
    AccountDisabled,
    EmailTaken,
    InvalidCredentials,
    InvalidToken,
    RefreshTokenReused,
    WrongPassword,
)
from toneshootout.server.auth.passwords import hash_password, verify_password
from toneshootout.server.auth.tokens import (
    AccessClaims,
    decode_access_token,
    hash_refresh_token,
    issue_access_token,
    new_refresh_token,
)
from toneshootout.server.db.models.user import User
from toneshootout.server.http.ratelimit import RateLimiter
from toneshootout.server.storage.base import Storage
from toneshootout.server.storage.hooks import delete_prefix_after_commit
from toneshootout.settings import AuthSettings

RATE_WINDOW_SECONDS = 60.0


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    refresh_token: str
    expires_in: int


async def register(
    session: AsyncSession,
    *,
    auth: AuthSettings,
    limiter: RateLimiter,
    client_ip: str,
    email: str,
    password: str,
    now: datetime,
) -> User:
    """Create a local account for a normalised `email`."""
    limit, window = auth.register_rate_per_minute, RATE_WINDOW_SECONDS
    limiter.hit(f"register:ip:{client_ip}", limit=limit, window_seconds=window)
    limiter.hit(f"register:account:{email}", limit=limit, window_seconds=window)
    if await repository.get_user_by_email(session, email) is not None:
        raise EmailTaken("this email is already registered")
    password_hash = await hash_password(password)
    user = await repository.add_user(session, email=email, password_hash=password_hash, now=now)
    security_event("register", user_id=user.id)
    return user


async def login(
    session: AsyncSession,
    *,
    auth: AuthSettings,
    limiter: RateLimiter,
    client_ip: str,
    email: str,
    password: str,
    now: datetime,
) -> IssuedTokens:
    """Check the credentials and open a new session; one generic error for any mismatch."""
    window = RATE_WINDOW_SECONDS
    limiter.hit(f"login:ip:{client_ip}", limit=auth.login_rate_per_minute, window_seconds=window)
    limiter.hit(f"login:account:{email}", limit=auth.login_rate_per_minute, window_seconds=window)
    user = await repository.get_user_by_email(session, email)
    # Unknown users still cost one hash verification, so timing does not reveal accounts.
    ok, new_hash = await verify_password(password, user.password_hash if user else None)
    if user is None or not ok:
        security_event("login_failure", user_id=user.id if user else None, reason="credentials")
        raise InvalidCredentials("wrong email or password")
    if not user.is_active:
        security_event("login_failure", user_id=user.id, reason="disabled")
        raise AccountDisabled("this account is disabled")
    if new_hash is not None:  # parameters were raised since this hash was made
        user.password_hash = new_hash
    tokens = await _open_session(session, auth=auth, user=user, now=now)
    security_event("login_success", user_id=user.id)
    return tokens


async def sign_in_verified(
    session: AsyncSession, *, auth: AuthSettings, user: User, method: str, now: datetime
) -> IssuedTokens:
    """Open a session for a user proven by other means (`method`: "tone3000"): the same
    session, refresh family and cookies as a password login. The caller rate-limits."""
    if not user.is_active:
        security_event("login_failure", user_id=user.id, reason="disabled")
        raise AccountDisabled("this account is disabled")
    tokens = await _open_session(session, auth=auth, user=user, now=now)
    security_event("login_success", user_id=user.id, reason=method)
    return tokens


async def refresh(
    session: AsyncSession,
    *,
    auth: AuthSettings,
    limiter: RateLimiter,
    client_ip: str,
    refresh_token: str,
    now: datetime,
) -> IssuedTokens:
    """Rotate a refresh token: the old one dies, reuse of a dead one revokes its family."""
    window = RATE_WINDOW_SECONDS
    limit = auth.refresh_rate_per_minute
    limiter.hit(f"refresh:ip:{client_ip}", limit=limit, window_seconds=window)
    row = await repository.get_refresh_token(session, hash_refresh_token(refresh_token))
    if row is None:
        security_event("refresh_failure", reason="unknown")
        raise InvalidToken("refresh token is invalid")
    limiter.hit(f"refresh:account:{row.user_id}", limit=limit, window_seconds=window)
    if row.revoked_at is not None:
        security_event("refresh_failure", user_id=row.user_id, reason="revoked")
        raise InvalidToken("refresh token has been revoked")
    if row.rotated_at is not None:
        # Someone holds a token that was already exchanged: the family is compromised.
        await repository.revoke_family(session, row.family_id, now=now)
        security_event("refresh_reuse", user_id=row.user_id, level=logging.WARNING)
        raise RefreshTokenReused("refresh token was already used; the session is revoked")
    if now >= row.idle_expires_at or now >= row.absolute_expires_at:
        security_event("refresh_failure", user_id=row.user_id, reason="expired")
        raise InvalidToken("refresh token has expired")
    user = await repository.get_user(session, row.user_id)
    if user is None or not user.is_active:
        security_event("refresh_failure", user_id=row.user_id, reason="disabled")
        raise AccountDisabled("this account is disabled")
    row.rotated_at = now
    tokens = await _issue(
        session,
        auth=auth,
        user=user,
        family_id=row.family_id,
        absolute_expires_at=row.absolute_expires_at,
        now=now,
    )
    security_event("refresh", user_id=user.id)
    return tokens


async def authenticate(
    session: AsyncSession, *, auth: AuthSettings, access_token: str
) -> tuple[User, AccessClaims]:
    """The active user an access token speaks for, if its session and issue time still hold."""
    claims = decode_access_token(auth, access_token)
    user = await repository.get_user_in_live_session(
        session, user_id=claims.user_id, session_id=claims.session_id
    )
    # Tokens minted before logout-all / a password change / a disable stop working at once.
    if user is None or not user.is_active or claims.issued_at < user.tokens_valid_after:
        raise InvalidToken("access token is no longer valid")
    return user, claims


async def logout(
    session: AsyncSession, *, user: User, session_id: uuid.UUID, now: datetime
) -> None:
    """End one session: its refresh tokens and, through `sid`, its access tokens."""
    await repository.revoke_family(session, session_id, now=now)
    security_event("logout", user_id=user.id)


async def logout_everywhere(session: AsyncSession, *, user: User, now: datetime) -> None:
    """End every session of `user`, including access tokens not yet expired."""
    user.tokens_valid_after = now
    await repository.revoke_user_sessions(session, user.id, now=now)
    security_event("logout_all", user_id=user.id)


async def change_password(
    session: AsyncSession,
    *,
    auth: AuthSettings,
    user: User,
    current_password: str,
    new_password: str,
    now: datetime,
) -> IssuedTokens:
    """Replace the password, end every session, and open a fresh one for this client."""
    ok, _ = await verify_password(current_password, user.password_hash)
    if not ok:
        security_event("password_change_failure", user_id=user.id, reason="credentials")
        raise WrongPassword("the current password is wrong")
    user.password_hash = await hash_password(new_password)
    user.tokens_valid_after = now
    await repository.revoke_user_sessions(session, user.id, now=now)
    security_event("password_change", user_id=user.id)
    return await _open_session(session, auth=auth, user=user, now=now)


async def delete_account(
    session: AsyncSession, *, storage: Storage, user: User, password: str | None
) -> None:
    """Delete the user's rows (cascading); their storage folder goes once that has committed.

    An account with a password confirms with it. One that signs in with TONE3000 only has no
    password to ask for: its signed-in, CSRF-checked session is the confirmation.
    """
    if user.password_hash is not None:
        if not password:
            raise WrongPassword("confirm with your password")
        ok, _ = await verify_password(password, user.password_hash)
        if not ok:
            security_event("account_delete_failure", user_id=user.id, reason="credentials")
            raise WrongPassword("the password is wrong")
    # The files go only after the commit: a failed commit keeps them with the rows naming them.
    await repository.delete_user(session, user.id)
    delete_prefix_after_commit(session, storage, f"{user.id}/")
    security_event("account_delete", user_id=user.id)


async def _open_session(
    session: AsyncSession, *, auth: AuthSettings, user: User, now: datetime
) -> IssuedTokens:
    absolute = now + timedelta(seconds=auth.refresh_absolute_seconds)
    return await _issue(
        session, auth=auth, user=user, family_id=uuid.uuid4(), absolute_expires_at=absolute, now=now
    )


async def _issue(
    session: AsyncSession,
    *,
    auth: AuthSettings,
    user: User,
    family_id: uuid.UUID,
    absolute_expires_at: datetime,
    now: datetime,
) -> IssuedTokens:
    refresh_token = new_refresh_token()
    await repository.add_refresh_token(
        session,
        user_id=user.id,
        family_id=family_id,
        token_hash=hash_refresh_token(refresh_token),
        now=now,
        idle_expires_at=min(
            now + timedelta(seconds=auth.refresh_idle_seconds), absolute_expires_at
        ),
        absolute_expires_at=absolute_expires_at,
    )
    access_token = issue_access_token(auth, user_id=user.id, session_id=family_id, now=now)
    return IssuedTokens(access_token, refresh_token, auth.access_ttl_seconds)
