"""The user's TONE3000 tokens in the database, encrypted; a `TokenStore` for one user.

Each call runs in its own short transaction (a refresh must be saved even when the request
that caused it fails later). The API process and the workers share the rows: a refresh that
loses a race to another process finds the winner's pair here (see `tone3000.tokens`).
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from toneshootout.server.db.models.tone3000_account import Tone3000Account
from toneshootout.server.db.session import session_scope
from toneshootout.server.tone3000.cipher import TokenCipher, TokenCipherError
from toneshootout.tone3000.oauth import TokenSet


def seal(account: Tone3000Account, tokens: TokenSet | None, cipher: TokenCipher) -> None:
    """Write `tokens` (or clear them) onto `account`."""
    if tokens is None:
        account.access_token_enc = account.refresh_token_enc = account.expires_at = None
        return
    account.access_token_enc = cipher.encrypt(tokens.access_token, user_id=account.user_id)
    account.refresh_token_enc = cipher.encrypt(tokens.refresh_token, user_id=account.user_id)
    account.expires_at = tokens.expires_at


def unseal(account: Tone3000Account, cipher: TokenCipher) -> TokenSet | None:
    """The account's tokens, or None if it has none (or they no longer decrypt)."""
    if not (account.access_token_enc and account.refresh_token_enc and account.expires_at):
        return None
    try:
        return TokenSet(
            cipher.decrypt(account.access_token_enc, user_id=account.user_id),
            cipher.decrypt(account.refresh_token_enc, user_id=account.user_id),
            account.expires_at,
        )
    except TokenCipherError:
        return None  # a rotated key: the user signs in again


async def account_of(session: AsyncSession, user_id: uuid.UUID) -> Tone3000Account | None:
    found = await session.execute(select(Tone3000Account).where(Tone3000Account.user_id == user_id))
    return found.scalar_one_or_none()


class DbTokenStore:
    """`tone3000.tokens.TokenStore` over the `tone3000_accounts` row of one user."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        cipher: TokenCipher,
        user_id: uuid.UUID,
    ) -> None:
        self._sessions = sessionmaker
        self._cipher = cipher
        self.user_id = user_id

    async def load(self) -> TokenSet | None:
        async with session_scope(self._sessions) as session:
            account = await account_of(session, self.user_id)
            return None if account is None else unseal(account, self._cipher)

    async def save(self, tokens: TokenSet) -> None:
        async with session_scope(self._sessions) as session:
            account = await account_of(session, self.user_id)
            if account is not None:  # unlinked meanwhile: the new pair is simply dropped
                seal(account, tokens, self._cipher)

    async def forget(self) -> None:
        async with session_scope(self._sessions) as session:
            account = await account_of(session, self.user_id)
            if account is not None:
                seal(account, None, self._cipher)
