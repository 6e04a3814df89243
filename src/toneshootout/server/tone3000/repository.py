"""Every query of signing in with TONE3000: sign-ins in progress, account links, new users."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from toneshootout.server.db.models.tone3000_account import PROVIDER, Tone3000Account
from toneshootout.server.db.models.tone3000_login import Tone3000Login
from toneshootout.server.db.models.user import User
from toneshootout.server.tone3000.errors import LinkedToAnotherAccount


async def add_login(session: AsyncSession, login: Tone3000Login) -> Tone3000Login:
    session.add(login)
    await session.flush()
    return login


async def get_login_by_state(session: AsyncSession, state_hash: str) -> Tone3000Login | None:
    return await session.scalar(select(Tone3000Login).where(Tone3000Login.state_hash == state_hash))


async def mark_login_used(session: AsyncSession, login_id: uuid.UUID, *, now: datetime) -> bool:
    """Spend a sign-in; False when another request spent it first (a concurrent replay)."""
    result = await session.execute(
        update(Tone3000Login)
        .where(Tone3000Login.id == login_id, Tone3000Login.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


async def delete_logins_expired_before(session: AsyncSession, cutoff: datetime) -> None:
    await session.execute(delete(Tone3000Login).where(Tone3000Login.expires_at < cutoff))


async def account_by_identity(
    session: AsyncSession, provider_user_id: str
) -> Tone3000Account | None:
    """The link of a TONE3000 identity, keyed by (provider, provider user id) only (REQ-07)."""
    return await session.scalar(
        select(Tone3000Account).where(
            Tone3000Account.provider == PROVIDER,
            Tone3000Account.provider_user_id == provider_user_id,
        )
    )


async def add_account(
    session: AsyncSession, *, user_id: uuid.UUID, provider_user_id: str, username: str
) -> Tone3000Account:
    """Link a local account; `LinkedToAnotherAccount` if a concurrent sign-in won the key."""
    account = Tone3000Account(
        user_id=user_id, provider=PROVIDER, provider_user_id=provider_user_id, username=username
    )
    try:
        async with session.begin_nested():  # a lost race undoes this insert only
            session.add(account)
            await session.flush()
    except IntegrityError as err:
        raise LinkedToAnotherAccount(
            "this TONE3000 account was just linked to another account: try again"
        ) from err
    return account


async def add_user_with_account(
    session: AsyncSession, *, provider_user_id: str, username: str, now: datetime
) -> tuple[User, Tone3000Account]:
    """A new local account that signs in with TONE3000 only (no email, no password), linked.

    Both rows go in one savepoint: if a concurrent first sign-in of the same identity won the
    unique key, no orphan account without a link is left behind.
    """
    user = User(email=None, password_hash=None, display_name=username, tokens_valid_after=now)
    account = Tone3000Account(
        provider=PROVIDER, provider_user_id=provider_user_id, username=username
    )
    try:
        async with session.begin_nested():
            session.add(user)
            await session.flush()
            account.user_id = user.id
            session.add(account)
            await session.flush()
    except IntegrityError as err:
        raise LinkedToAnotherAccount(
            "this TONE3000 account was just signed in elsewhere: try again"
        ) from err
    return user, account


async def delete_account(session: AsyncSession, account: Tone3000Account) -> None:
    """Remove the link and, with the row, the user's TONE3000 tokens (REQ-06)."""
    await session.delete(account)
    await session.flush()


async def get_user(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await session.get(User, user_id)
