"""Leaving for TONE3000 (sign in, link, pick a tone), the link's status, and unlinking.

Every authorize URL is built from configuration only: the base URL, the client id and the
`redirect_uri` come from settings, never from the request's Host or forwarding headers
(REQ-05); `next` paths arrive already checked by the HTTP layer. "Now" is a parameter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from toneshootout.server.auth.audit import security_event
from toneshootout.server.db.models.user import User
from toneshootout.server.http.ratelimit import RateLimiter
from toneshootout.server.tone3000 import oauth_state, repository
from toneshootout.server.tone3000.access import Tone3000Access
from toneshootout.server.tone3000.errors import NotLinked, UnlinkWouldLockOut
from toneshootout.server.tone3000.oauth_state import Begun, Purpose
from toneshootout.server.tone3000.store import account_of
from toneshootout.settings import AuthSettings, Tone3000Settings
from toneshootout.tone3000.oauth import authorize_url

RATE_WINDOW_SECONDS = 60.0
ACCOUNT_PAGE = "/account"
# TONE3000.md §1.3 "What this means for us": NAM captures of the A2 architecture; IRs have none.
SELECT_FORMATS = ("nam", "ir")


@dataclass(frozen=True)
class Departure:
    """Where to send the browser, and the binding cookie it must carry back."""

    authorize_url: str
    browser: str


@dataclass(frozen=True)
class LinkStatus:
    enabled: bool
    linked: bool
    username: str | None


def _limit(limiter: RateLimiter, key: str, auth: AuthSettings) -> None:
    limiter.hit(key, limit=auth.login_rate_per_minute, window_seconds=RATE_WINDOW_SECONDS)


def _departure(
    access: Tone3000Access,
    begun: Begun,
    *,
    prompt: str | None = None,
    extra: dict[str, str] | None = None,
) -> Departure:
    url = authorize_url(
        access.settings.base_url,
        client_id=access.client_id,
        redirect_uri=access.settings.redirect_uri,
        state=begun.state,
        challenge=begun.challenge,
        prompt=prompt,
        extra=extra,
    )
    return Departure(url, begun.browser)


@dataclass(frozen=True)
class Start:
    """What starting any TONE3000 sign-in needs besides the session: the client, the caller's
    limits. (The session stays the route's: a GET needs a writing one, a POST has its own.)"""

    access: Tone3000Access
    auth: AuthSettings
    limiter: RateLimiter
    client_ip: str
    browser: str | None  # the binding cookie the request brought, if any
    now: datetime


async def _begin(
    session: AsyncSession,
    start: Start,
    purpose: Purpose,
    *,
    next_path: str,
    user: User | None = None,
    tone_format: str | None = None,
) -> Begun:
    """Rate-limit the caller (per IP, and per account when signed in), then store the sign-in."""
    _limit(start.limiter, f"t3k-{purpose.value}:ip:{start.client_ip}", start.auth)
    if user is not None:
        _limit(start.limiter, f"t3k-{purpose.value}:account:{user.id}", start.auth)
    return await oauth_state.begin(
        session,
        cipher=start.access.cipher,
        purpose=purpose,
        next_path=next_path,
        browser=start.browser,
        ttl_seconds=start.access.settings.login_ttl_seconds,
        now=start.now,
        user_id=user.id if user is not None else None,
        tone_format=tone_format,
    )


async def begin_login(session: AsyncSession, start: Start, *, next_path: str) -> Departure:
    """Sign in (or sign up) with TONE3000, then go on to `next_path`."""
    begun = await _begin(session, start, Purpose.LOGIN, next_path=next_path)
    return _departure(start.access, begun)


async def begin_link(session: AsyncSession, start: Start, *, user: User) -> Departure:
    """Attach a TONE3000 identity to `user` (or renew the tokens of the one attached)."""
    begun = await _begin(session, start, Purpose.LINK, next_path=ACCOUNT_PAGE, user=user)
    return _departure(start.access, begun)


async def begin_select(
    session: AsyncSession, start: Start, *, user: User, tone_format: str, next_path: str
) -> Departure:
    """Pick a tone in TONE3000's own picker; the callback returns to `next_path` with it."""
    if tone_format not in SELECT_FORMATS:
        raise ValueError(f"format must be one of {SELECT_FORMATS}")  # the schema forbids it
    begun = await _begin(
        session, start, Purpose.SELECT, next_path=next_path, user=user, tone_format=tone_format
    )
    extra = {"format": tone_format} | ({"architecture": "2"} if tone_format == "nam" else {})
    return _departure(start.access, begun, prompt="select_tone", extra=extra)


async def status(session: AsyncSession, *, settings: Tone3000Settings, user: User) -> LinkStatus:
    """Whether TONE3000 is on here, and whom `user` is linked to there (never their tokens)."""
    account = await account_of(session, user.id)
    return LinkStatus(
        enabled=settings.enabled,
        linked=account is not None,
        username=account.username if account else None,
    )


async def unlink(session: AsyncSession, *, user: User) -> None:
    """Delete the link and the tokens with it; refused if it is the only way to sign in."""
    account = await account_of(session, user.id)
    if account is None:
        raise NotLinked("this account is not linked to TONE3000")
    if not (user.email and user.password_hash):
        raise UnlinkWouldLockOut(
            "this account signs in with TONE3000 only: without the link nobody could sign in "
            "to it. Delete the account instead, or keep the link"
        )
    await repository.delete_account(session, account)
    security_event("tone3000_unlink", user_id=user.id)
