"""Every query the auth feature makes: users and refresh-token families."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import bindparam, delete, exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from toneshootout.server.auth.errors import EmailTaken
from toneshootout.server.db.models.refresh_token import RefreshToken
from toneshootout.server.db.models.user import User


async def get_user(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await session.get(User, user_id)


async def get_user_by_email(session: AsyncSession, email: str) -> User | None:
    return await session.scalar(select(User).where(User.email == email))


async def add_user(session: AsyncSession, *, email: str, password_hash: str, now: datetime) -> User:
    """Insert a local account; `EmailTaken` if the address is already registered."""
    user = User(email=email, password_hash=password_hash, tokens_valid_after=now)
    session.add(user)
    try:
        await session.flush()
    except IntegrityError as err:  # a concurrent registration won the unique index
        raise EmailTaken("this email is already registered") from err
    return user


async def delete_user(session: AsyncSession, user_id: uuid.UUID) -> None:
    """Delete the account; the database cascades to every row that references it."""
    await session.execute(delete(User).where(User.id == user_id))
    await session.flush()


# Built once: this runs on every authenticated request, and building and caching-keying a
# fresh statement cost more CPU than executing it (bench/api_profile.py).
_USER_IN_LIVE_SESSION = select(User).where(
    User.id == bindparam("user_id"),
    exists().where(
        RefreshToken.family_id == bindparam("session_id"),
        RefreshToken.user_id == bindparam("user_id"),
        RefreshToken.revoked_at.is_(None),
    ),
)


async def get_user_in_live_session(
    session: AsyncSession, *, user_id: uuid.UUID, session_id: uuid.UUID
) -> User | None:
    """The user, if refresh family `session_id` is theirs and not revoked (one query)."""
    params = {"user_id": user_id, "session_id": session_id}
    return await session.scalar(_USER_IN_LIVE_SESSION, params)


async def get_refresh_token(session: AsyncSession, token_hash: str) -> RefreshToken | None:
    """The refresh-token row with this hash, locked so two rotations cannot both succeed."""
    query = select(RefreshToken).where(RefreshToken.token_hash == token_hash).with_for_update()
    return await session.scalar(query)


async def add_refresh_token(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    family_id: uuid.UUID,
    token_hash: str,
    now: datetime,
    idle_expires_at: datetime,
    absolute_expires_at: datetime,
) -> RefreshToken:
    row = RefreshToken(
        user_id=user_id,
        family_id=family_id,
        token_hash=token_hash,
        issued_at=now,
        idle_expires_at=idle_expires_at,
        absolute_expires_at=absolute_expires_at,
    )
    session.add(row)
    await session.flush()
    return row


async def revoke_family(session: AsyncSession, family_id: uuid.UUID, *, now: datetime) -> None:
    """Revoke every token of one session (logout, or reuse detected)."""
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


async def revoke_user_sessions(session: AsyncSession, user_id: uuid.UUID, *, now: datetime) -> None:
    """Revoke every refresh token the user holds (log out everywhere, password change)."""
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
