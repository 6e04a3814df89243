"""Realtime rules: issuing and redeeming tickets, who may watch what, and what they see first."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from toneshootout.server.auth import repository as auth_repository
from toneshootout.server.auth.audit import security_event
from toneshootout.server.db.models.render import Render
from toneshootout.server.http.ratelimit import RateLimiter
from toneshootout.server.realtime import repository
from toneshootout.server.realtime.errors import SessionEnded, SubscriptionRefused, TicketRejected
from toneshootout.server.realtime.schemas import RenderStatus
from toneshootout.server.realtime.tickets import MAX_TICKET_CHARS, hash_ticket, new_ticket
from toneshootout.server.render import repository as render_repository
from toneshootout.settings import RealtimeSettings

RATE_WINDOW_SECONDS = 60.0


@dataclass(frozen=True)
class IssuedTicket:
    ticket: str
    expires_in: int


@dataclass(frozen=True)
class Grant:
    """What a redeemed ticket proves: this user, through this login session, since then."""

    user_id: uuid.UUID
    session_id: uuid.UUID
    connected_at: datetime


async def issue_ticket(
    session: AsyncSession,
    *,
    realtime: RealtimeSettings,
    limiter: RateLimiter,
    client_ip: str,
    user_id: uuid.UUID,
    session_id: uuid.UUID,
    now: datetime,
) -> IssuedTicket:
    """A new single-use ticket for `user_id`'s login session `session_id`."""
    limit, window = realtime.ticket_rate_per_minute, RATE_WINDOW_SECONDS
    limiter.hit(f"ws_ticket:ip:{client_ip}", limit=limit, window_seconds=window)
    limiter.hit(f"ws_ticket:account:{user_id}", limit=limit, window_seconds=window)
    await repository.purge_tickets(session, user_id=user_id, now=now)
    ticket = new_ticket()
    await repository.add_ticket(
        session,
        user_id=user_id,
        session_id=session_id,
        token_sha256=hash_ticket(ticket),
        expires_at=now + timedelta(seconds=realtime.ticket_ttl_seconds),
    )
    return IssuedTicket(ticket, realtime.ticket_ttl_seconds)


async def redeem_ticket(session: AsyncSession, *, ticket: str | None, now: datetime) -> Grant:
    """Spend `ticket` and return what it grants; `TicketRejected` if unknown/expired/used."""
    if not ticket or len(ticket) > MAX_TICKET_CHARS:
        security_event("ws_ticket_rejected", reason="malformed")
        raise TicketRejected()
    row = await repository.consume_ticket(session, token_sha256=hash_ticket(ticket), now=now)
    if row is None:
        security_event("ws_ticket_rejected", reason="unknown_expired_or_used")
        raise TicketRejected()
    grant = Grant(user_id=row.user_id, session_id=row.session_id, connected_at=now)
    try:
        await check_grant(session, grant=grant)
    except SessionEnded:
        security_event("ws_ticket_rejected", user_id=row.user_id, reason="session_ended")
        raise TicketRejected() from None
    return grant


async def check_grant(session: AsyncSession, *, grant: Grant) -> None:
    """`SessionEnded` unless the user and the login session behind the socket are still valid.

    Logout revokes the session; logout-everywhere and a password change also move the user's
    `tokens_valid_after` past the socket's start; a deleted account has no row (REQ-03).
    """
    user = await auth_repository.get_user_in_live_session(
        session, user_id=grant.user_id, session_id=grant.session_id
    )
    if user is None or not user.is_active or user.tokens_valid_after > grant.connected_at:
        raise SessionEnded()


async def render_status(
    session: AsyncSession, *, owner_id: uuid.UUID, render_id: uuid.UUID
) -> RenderStatus:
    """The render's state from the database; `SubscriptionRefused` unless the caller owns it."""
    render = await render_repository.get_owned_render(
        session, owner_id=owner_id, render_id=render_id
    )
    if render is None:
        security_event("ws_subscription_refused", user_id=owner_id, reason="render")
        raise SubscriptionRefused()
    return to_status(render)


async def shootout_statuses(
    session: AsyncSession, *, owner_id: uuid.UUID, shootout_id: uuid.UUID, limit: int
) -> list[RenderStatus]:
    """The state of each of the shootout's newest renders; refused unless the caller owns it."""
    if not await render_repository.owns_shootout(
        session, owner_id=owner_id, shootout_id=shootout_id
    ):
        security_event("ws_subscription_refused", user_id=owner_id, reason="shootout")
        raise SubscriptionRefused()
    renders = await render_repository.list_shootout_renders(
        session, owner_id=owner_id, shootout_id=shootout_id, limit=limit
    )
    return [to_status(render) for render in renders]


def to_status(render: Render) -> RenderStatus:
    """The client-facing state of a render row (no lease, worker, storage or hash fields)."""
    current = render.current or {}
    return RenderStatus(
        render_id=render.id,
        shootout_id=render.shootout_id,
        number=render.number,
        title=render.title,
        state=render.state,
        reason=render.reason,
        detail=render.detail,
        attempt=render.attempt,
        progress=render.progress,
        step=render.step,
        di=_text(current.get("di")),
        chain=_text(current.get("chain")),
        eta_seconds=render.eta_seconds,
        queued_at=render.queued_at,
        started_at=render.started_at,
        finished_at=render.finished_at,
        updated_at=render.updated_at,
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
