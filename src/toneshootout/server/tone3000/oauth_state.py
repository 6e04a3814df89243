"""The server-side half of a sign-in with TONE3000 (REQ-04): begin one, and spend it once.

`begin` keeps the PKCE verifier (encrypted, bound to the row id) and the hash of a fresh
256-bit `state` for at most `login_ttl_seconds`. The browser carries a binding cookie whose
hash is stored with it, so the callback counts only in the browser that left: a callback URL
planted in someone else's browser (login CSRF) meets a different cookie and is refused.
`consume` checks all of that and spends the state in the same step, so a replay fails.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from toneshootout.server.db.models.tone3000_login import Tone3000Login
from toneshootout.server.tone3000 import repository
from toneshootout.server.tone3000.cipher import TokenCipher, TokenCipherError
from toneshootout.server.tone3000.errors import (
    StateExpired,
    StateMissing,
    StateOtherBrowser,
    StateUnknown,
    StateUsed,
)
from toneshootout.tone3000.oauth import new_pkce

SECRET_BYTES = 32  # 256 bits for the state and the binding cookie alike
_SECRET = re.compile(r"^[A-Za-z0-9_-]{43}$")  # what token_urlsafe(32) produces
# Spent and expired rows stay this long, so an old callback is told "expired", not "unknown";
# they are purged whenever a new sign-in begins.
FORGET_AFTER = timedelta(days=1)


class Purpose(StrEnum):
    LOGIN = "login"  # sign in, or sign up on the first visit
    LINK = "link"  # attach a TONE3000 identity to the signed-in account
    SELECT = "select"  # pick a tone in TONE3000's picker (and refresh the user's tokens)


def new_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def digest(value: str) -> str:
    """Hex SHA-256: the values are random, so no salt is needed to keep them unguessable."""
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def is_secret(value: str | None) -> bool:
    return value is not None and bool(_SECRET.match(value))


@dataclass(frozen=True)
class Begun:
    """A stored sign-in; `state`, `challenge` go to TONE3000, `browser` into the cookie."""

    login: Tone3000Login
    state: str
    challenge: str
    browser: str


@dataclass(frozen=True)
class Spent:
    login: Tone3000Login
    verifier: str


async def begin(
    session: AsyncSession,
    *,
    cipher: TokenCipher,
    purpose: Purpose,
    next_path: str,
    browser: str | None,
    ttl_seconds: int,
    now: datetime,
    user_id: uuid.UUID | None = None,
    tone_format: str | None = None,
) -> Begun:
    """Store a new sign-in. `browser`: the binding cookie the request brought, if any; keeping
    it lets two tabs sign in at once (a new value would orphan the first tab's sign-in)."""
    await repository.delete_logins_expired_before(session, now - FORGET_AFTER)
    browser = browser if is_secret(browser) else new_secret()
    assert browser is not None
    state = new_secret()
    pkce = new_pkce()
    login_id = uuid.uuid4()
    login = Tone3000Login(
        id=login_id,
        state_hash=digest(state),
        browser_hash=digest(browser),
        purpose=purpose.value,
        user_id=user_id,
        next_path=next_path,
        tone_format=tone_format,
        # Encrypted although it lives minutes: with a leaked code, a readable verifier is
        # all it takes to redeem it; bound to the row, so it cannot be moved to another one.
        verifier_enc=cipher.encrypt(pkce.verifier, user_id=login_id),
        created_at=now,
        expires_at=now + timedelta(seconds=ttl_seconds),
    )
    await repository.add_login(session, login)
    return Begun(login, state, pkce.challenge, browser)


async def consume(
    session: AsyncSession,
    *,
    cipher: TokenCipher,
    state: str | None,
    browser: str | None,
    now: datetime,
) -> Spent:
    """Spend the sign-in `state` opens, if this browser may finish it; else a reason why not."""
    if not state:
        raise StateMissing("the sign-in came back without its state: start again")
    login = (
        await repository.get_login_by_state(session, digest(state)) if is_secret(state) else None
    )
    if login is None:
        raise StateUnknown("this sign-in is unknown or long expired: start again")
    if not browser or not secrets.compare_digest(digest(browser), login.browser_hash):
        raise StateOtherBrowser(
            "this sign-in was started in another browser (or its cookie is gone): start again"
        )
    if login.used_at is not None:
        raise StateUsed("this sign-in has already been used: start again")
    if now >= login.expires_at:
        raise StateExpired("this sign-in took too long and expired: start again")
    if not await repository.mark_login_used(session, login.id, now=now):
        raise StateUsed("this sign-in has already been used: start again")
    try:
        verifier = cipher.decrypt(login.verifier_enc, user_id=login.id)
    except TokenCipherError:  # the token key changed meanwhile
        raise StateUnknown("this sign-in can no longer be finished: start again") from None
    return Spent(login, verifier)
