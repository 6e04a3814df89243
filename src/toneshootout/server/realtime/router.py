"""HTTP and WebSocket routes of live progress: ask for a ticket, then open the socket with it."""

from __future__ import annotations

from typing import cast

from fastapi import APIRouter, Request, WebSocket, status

from toneshootout.server.auth.deps import AuthenticatedDep, NowDep
from toneshootout.server.deps import SessionDep, SettingsDep
from toneshootout.server.http.ratelimit import ClientIpDep, RateLimiterDep
from toneshootout.server.realtime import service
from toneshootout.server.realtime.connection import ConnectionRegistry, serve_socket
from toneshootout.server.realtime.schemas import TicketOut
from toneshootout.server.state import Services

router = APIRouter(tags=["live progress"])


@router.post("/ws/tickets", status_code=status.HTTP_201_CREATED)
async def create_ticket(
    *,
    caller: AuthenticatedDep,
    session: SessionDep,
    settings: SettingsDep,
    limiter: RateLimiterDep,
    client_ip: ClientIpDep,
    now: NowDep,
) -> TicketOut:
    """Issue a single-use ticket for opening the live-progress socket (`/ws?ticket=…`)."""
    issued = await service.issue_ticket(
        session,
        realtime=settings.realtime,
        limiter=limiter,
        client_ip=client_ip,
        user_id=caller.user.id,
        session_id=caller.session_id,
        now=now,
    )
    return TicketOut(ticket=issued.ticket, expires_in=issued.expires_in)


@router.websocket("/ws")
async def live_progress(websocket: WebSocket, ticket: str | None = None) -> None:
    """Live render progress: subscribe to your renders or shootouts, get snapshot then events."""
    services = cast(Services, websocket.app.state.services)
    await serve_socket(
        websocket, services=services, registry=connection_registry(websocket), ticket=ticket
    )


def connection_registry(connection: Request | WebSocket) -> ConnectionRegistry:
    """The app's one registry of open sockets, created on first use (one per app and test)."""
    state = connection.app.state
    registry = getattr(state, "ws_registry", None)
    if registry is None:
        registry = state.ws_registry = ConnectionRegistry()
    assert isinstance(registry, ConnectionRegistry)
    return registry
