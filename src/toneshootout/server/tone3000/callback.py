"""Coming back from TONE3000: spend the state, exchange the code, learn who signed in, then
sign in, link or hand over the picked tone.

Identities are keyed by (provider, provider user id), never by email (REQ-07): a TONE3000
user seen for the first time gets a new local account even if some local account has the
same address. An identity never moves between local accounts silently. Every refusal is
raised before anything is written (or inside a savepoint), so the request may commit the
spent state and nothing else.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy.ext.asyncio import AsyncSession

from toneshootout.server.auth import service as auth_service
from toneshootout.server.auth.audit import security_event
from toneshootout.server.auth.errors import AccountDisabled
from toneshootout.server.auth.service import IssuedTokens
from toneshootout.server.db.models.tone3000_login import Tone3000Login
from toneshootout.server.db.models.user import User
from toneshootout.server.http.ratelimit import RateLimiter
from toneshootout.server.tone3000 import oauth_state, repository
from toneshootout.server.tone3000.access import Tone3000Access
from toneshootout.server.tone3000.errors import (
    AlreadyLinked,
    CodeMissing,
    LinkedToAnotherAccount,
    SignedOutMeanwhile,
    SignInRefused,
    SignInStateError,
    Tone3000Unavailable,
)
from toneshootout.server.tone3000.oauth_state import Purpose
from toneshootout.server.tone3000.store import account_of, seal
from toneshootout.settings import AuthSettings
from toneshootout.tone3000.api import Tone3000Api
from toneshootout.tone3000.errors import OAuthError, SignInRequired, Tone3000Error
from toneshootout.tone3000.limiter import OutgoingLimiter
from toneshootout.tone3000.oauth import TokenSet
from toneshootout.tone3000.tokens import MemoryStore, RefreshingTokens
from toneshootout.tone3000.wire import User as Tone3000User

RATE_WINDOW_SECONDS = 60.0
MAX_PROVIDER_ID = 64  # the column's width; TONE3000's ids are 36-character UUIDs
MAX_USERNAME = 80
_OAUTH_CODE = re.compile(r"^[a-z_]{1,40}$")  # an OAuth error code we may repeat to the user
_TONE_ID = re.compile(r"^[0-9]{1,12}$")


@dataclass(frozen=True)
class CallbackQuery:
    """What TONE3000 appended to the redirect URI (§1.3 "Callback")."""

    code: str | None = None
    state: str | None = None
    tone_id: str | None = None
    canceled: bool = False
    error: str | None = None


@dataclass(frozen=True)
class Outcome:
    """Where the browser goes next; `session` is set when it is to be signed in."""

    location: str
    session: IssuedTokens | None = None


def with_query(path: str, params: dict[str, str]) -> str:
    """`path` (a checked same-site path) with `params` set, earlier `t3k*` values dropped."""
    parts = urlsplit(path)
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k[:3] != "t3k"]
    query = urlencode([*kept, *params.items()])
    return urlunsplit(("", "", parts.path, query, parts.fragment))


async def finish(
    session: AsyncSession,
    *,
    access: Tone3000Access,
    auth: AuthSettings,
    limiter: RateLimiter,
    client_ip: str,
    query: CallbackQuery,
    browser: str | None,
    now: datetime,
) -> Outcome:
    """Finish the sign-in `query.state` opens, in the browser that started it."""
    limit = auth.login_rate_per_minute
    limiter.hit(f"t3k-callback:ip:{client_ip}", limit=limit, window_seconds=RATE_WINDOW_SECONDS)
    try:
        spent = await oauth_state.consume(
            session, cipher=access.cipher, state=query.state, browser=browser, now=now
        )
    except SignInStateError as refused:
        security_event("tone3000_callback_refused", reason=refused.code)
        raise
    login = spent.login
    if query.error or (query.canceled and not query.code):
        # The user closed TONE3000's window or said no: calmly back, nothing changed.
        security_event("tone3000_declined", user_id=login.user_id, reason=_declined_as(query))
        return Outcome(_declined_location(login, query))
    if not query.code:
        raise CodeMissing("TONE3000 sent neither a code nor an error: start again")
    identity, tokens = await _identify(access, code=query.code, verifier=spent.verifier)
    purpose = Purpose(login.purpose)
    if purpose is Purpose.LOGIN:
        user = await _login_user(session, access=access, identity=identity, tokens=tokens, now=now)
        issued = await auth_service.sign_in_verified(
            session, auth=auth, user=user, method="tone3000", now=now
        )
        return Outcome(login.next_path, issued)
    user = await _starter(session, login)
    await _attach(session, access=access, user=user, identity=identity, tokens=tokens)
    if purpose is Purpose.LINK:
        return Outcome(with_query(login.next_path, {"t3k": "linked"}))
    return Outcome(_picked_location(login, query))


def _declined_as(query: CallbackQuery) -> str:
    return "canceled" if query.canceled or query.error == "access_denied" else "failed"


def _declined_location(login: Tone3000Login, query: CallbackQuery) -> str:
    outcome = _declined_as(query)
    if login.purpose == Purpose.LOGIN:
        return "/login?" + urlencode({"next": login.next_path, "t3k": outcome})
    if login.purpose == Purpose.LINK:
        return with_query(login.next_path, {"t3k": outcome})
    marker = {"t3k_canceled": "1"} if outcome == "canceled" else {"t3k_error": "1"}
    return with_query(login.next_path, marker)


def _picked_location(login: Tone3000Login, query: CallbackQuery) -> str:
    # The tone that comes back may differ from any asked for (a replacement): that is normal.
    if query.tone_id is None or not _TONE_ID.match(query.tone_id):
        return with_query(login.next_path, {"t3k_canceled": "1"})  # signed in, picked nothing
    picked = {"t3k_tone": query.tone_id, "t3k_format": login.tone_format or ""}
    return with_query(login.next_path, picked)


async def _identify(
    access: Tone3000Access, *, code: str, verifier: str
) -> tuple[Tone3000User, TokenSet]:
    """Exchange the code, then ask `GET /user` who it belongs to, with the new token."""
    oauth = access.oauth()
    try:
        tokens = await oauth.exchange_code(
            code, verifier=verifier, redirect_uri=access.settings.redirect_uri
        )
        store = MemoryStore(tokens)
        api = Tone3000Api(
            access.http,
            base_url=access.settings.base_url,
            tokens=RefreshingTokens(store, oauth, asyncio.Lock(), now=access.now),
            # A brand-new token has a budget of its own at TONE3000; one call cannot strain it.
            limiter=OutgoingLimiter(per_minute=access.settings.calls_per_minute),
            key="sign-in",
        )
        identity = await api.user()
    except OAuthError as err:
        said = err.error if _OAUTH_CODE.match(err.error) else "refused"
        raise SignInRefused(f"TONE3000 refused the sign-in ({said}): start again") from err
    except SignInRequired as err:
        raise SignInRefused("TONE3000 did not accept its own sign-in: start again") from err
    except Tone3000Error as err:
        raise Tone3000Unavailable(
            "TONE3000 could not be reached or answered oddly: try again in a moment"
        ) from err
    if not identity.id.strip() or len(identity.id) > MAX_PROVIDER_ID or not identity.username:
        raise Tone3000Unavailable("TONE3000 sent an account we cannot read: try again later")
    return identity, store.tokens or tokens


async def _login_user(
    session: AsyncSession,
    *,
    access: Tone3000Access,
    identity: Tone3000User,
    tokens: TokenSet,
    now: datetime,
) -> User:
    """The local account of `identity`, created on its first visit (never found by email)."""
    username = identity.username[:MAX_USERNAME]
    account = await repository.account_by_identity(session, identity.id)
    if account is None:
        user, account = await repository.add_user_with_account(
            session, provider_user_id=identity.id, username=username, now=now
        )
        security_event("register", user_id=user.id, reason="tone3000")
    else:
        found = await repository.get_user(session, account.user_id)
        assert found is not None  # the link row cascades with its user
        user = found
        if not user.is_active:
            security_event("login_failure", user_id=user.id, reason="disabled")
            raise AccountDisabled("this account is disabled")
        account.username = username
    seal(account, tokens, access.cipher)
    return user


async def _starter(session: AsyncSession, login: Tone3000Login) -> User:
    """The signed-in account that began a link or a pick (the browser binding proves it)."""
    user = await repository.get_user(session, login.user_id) if login.user_id else None
    if user is None or not user.is_active:
        raise SignedOutMeanwhile("the account that started this is gone or disabled")
    return user


async def _attach(
    session: AsyncSession,
    *,
    access: Tone3000Access,
    user: User,
    identity: Tone3000User,
    tokens: TokenSet,
) -> None:
    """Link `identity` to `user` (or renew the tokens of that same link); never move it."""
    username = identity.username[:MAX_USERNAME]
    owner = await repository.account_by_identity(session, identity.id)
    if owner is not None and owner.user_id != user.id:
        security_event("tone3000_link_refused", user_id=user.id, reason="linked_elsewhere")
        raise LinkedToAnotherAccount(
            f"the TONE3000 account {username} is already linked to another Tone Shootout "
            "account. Sign in with TONE3000 to use that account, or unlink it there first"
        )
    mine = owner or await account_of(session, user.id)
    if mine is not None and mine.provider_user_id != identity.id:
        security_event("tone3000_link_refused", user_id=user.id, reason="linked_already")
        raise AlreadyLinked(
            f"this account is linked to TONE3000 as {mine.username}, not {username}. "
            "Unlink it first to link another TONE3000 account"
        )
    if mine is None:
        mine = await repository.add_account(
            session, user_id=user.id, provider_user_id=identity.id, username=username
        )
        security_event("tone3000_link", user_id=user.id)
    mine.username = username
    seal(mine, tokens, access.cipher)
