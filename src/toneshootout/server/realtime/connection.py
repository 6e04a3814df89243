"""One live-progress socket: handshake checks, then a single loop over client, hub and clock.

Everything a socket does happens in one coroutine, so a subscription's snapshot, the events
queued while it was read, and the heartbeat never race each other: events that arrive while
the snapshot is read wait in the hub queue and are then filtered against it (`ordering`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

from fastapi import WebSocket
from pydantic import BaseModel, ValidationError
from starlette.types import Message
from starlette.websockets import WebSocketDisconnect, WebSocketState

from toneshootout.server.db.session import owned, session_scope
from toneshootout.server.realtime import service
from toneshootout.server.realtime.errors import SessionEnded, SubscriptionRefused, TicketRejected
from toneshootout.server.realtime.ordering import Mark, RenderCursor
from toneshootout.server.realtime.origins import allowed_origins, origin_allowed
from toneshootout.server.realtime.schemas import (
    CLIENT_MESSAGE,
    EventMessage,
    HeartbeatMessage,
    LiveEvent,
    PongMessage,
    RenderStatus,
    SnapshotMessage,
    Subscribe,
    Unsubscribe,
    UnsubscribedMessage,
)
from toneshootout.server.render.events import RenderEvent
from toneshootout.server.state import Services

log = logging.getLogger("toneshootout.realtime")

POLICY_VIOLATION = 1008  # bad ticket, foreign render, ended session, caps, bad messages
MESSAGE_TOO_BIG = 1009
UNSUPPORTED_DATA = 1003  # binary frames
INTERNAL_ERROR = 1011
NORMAL = 1000  # idle timeout


class Close(Exception):
    """Stop serving this socket and close it with `code` and a short public `reason`."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class ConnectionRegistry:
    """Open sockets per user in this process, to enforce `max_connections_per_user`."""

    def __init__(self) -> None:
        self._open: dict[uuid.UUID, int] = {}

    @contextlib.contextmanager
    def hold(self, user_id: uuid.UUID, *, limit: int) -> Iterator[None]:
        """Count one socket for `user_id` while the block runs; `Close` when at the cap."""
        if self._open.get(user_id, 0) >= limit:
            raise Close(POLICY_VIOLATION, "too many open sockets")
        self._open[user_id] = self._open.get(user_id, 0) + 1
        try:
            yield
        finally:
            self._open[user_id] -= 1
            if not self._open[user_id]:
                del self._open[user_id]

    def count(self, user_id: uuid.UUID) -> int:
        return self._open.get(user_id, 0)


async def serve_socket(
    websocket: WebSocket, *, services: Services, registry: ConnectionRegistry, ticket: str | None
) -> None:
    """Check Origin and ticket, then stream snapshots and events until either side stops."""
    settings = services.settings
    if not origin_allowed(websocket.headers.get("origin"), allowed_origins(settings)):
        log.warning("ws_origin_refused")
        await websocket.close(code=POLICY_VIOLATION)  # before accept: the handshake gets 403
        return
    try:
        grant = await _redeem(services, ticket)
    except TicketRejected:
        await websocket.accept()
        await websocket.close(code=POLICY_VIOLATION, reason="invalid ticket")
        return
    await websocket.accept()
    try:
        with registry.hold(grant.user_id, limit=settings.realtime.max_connections_per_user):
            async with services.hub.subscribe(grant.user_id) as queue:
                await LiveConnection(websocket, services, grant, queue).serve()
    except Close as close:
        await _close(websocket, close.code, close.reason)
    except WebSocketDisconnect:
        pass
    except Exception:
        log.exception("ws_failed", extra={"user_id": str(grant.user_id)})
        await _close(websocket, INTERNAL_ERROR, "internal error")


async def _redeem(services: Services, ticket: str | None) -> service.Grant:
    async with session_scope(services.sessionmaker) as session:
        return await service.redeem_ticket(session, ticket=ticket, now=datetime.now(UTC))


async def _close(websocket: WebSocket, code: int, reason: str) -> None:
    if websocket.application_state != WebSocketState.DISCONNECTED:
        with contextlib.suppress(RuntimeError, WebSocketDisconnect):
            await websocket.close(code=code, reason=reason)


class LiveConnection:
    """The state of one accepted socket: its subscriptions and what it has shown."""

    def __init__(
        self,
        websocket: WebSocket,
        services: Services,
        grant: service.Grant,
        queue: asyncio.Queue[RenderEvent],
    ) -> None:
        self._ws = websocket
        self._services = services
        self._settings = services.settings.realtime
        self._grant = grant
        self._queue = queue
        self._renders: set[uuid.UUID] = set()
        self._shootouts: set[uuid.UUID] = set()
        # Per shown render: its shootout (to forget it on unsubscribe) and its newest point.
        self._cursors: dict[uuid.UUID, tuple[uuid.UUID | None, RenderCursor]] = {}
        loop = asyncio.get_running_loop()
        self._clock = loop.time
        self._last_heard = self._clock()
        # Sockets opened together would otherwise re-check their sessions in one burst of
        # database reads every heartbeat; a random first beat spreads them out for good.
        first_beat = self._settings.heartbeat_seconds * random.uniform(0.5, 1.0)
        self._next_heartbeat = self._last_heard + first_beat

    async def serve(self) -> None:
        """Run until the client leaves or a rule closes the socket (`Close`)."""
        receiving = asyncio.ensure_future(self._ws.receive())
        waiting = asyncio.ensure_future(self._queue.get())
        try:
            while True:
                deadline = min(self._next_heartbeat, self._idle_deadline())
                done, _ = await asyncio.wait(
                    {receiving, waiting},
                    timeout=max(0.0, deadline - self._clock()),
                    return_when=asyncio.FIRST_COMPLETED,
                )
                if receiving in done:
                    message = receiving.result()
                    if message["type"] == "websocket.disconnect":
                        return
                    await self._on_client(message)
                    receiving = asyncio.ensure_future(self._ws.receive())
                if waiting in done:
                    await self._on_event(waiting.result())
                    waiting = asyncio.ensure_future(self._queue.get())
                await self._on_clock()
        finally:
            for task in (receiving, waiting):
                task.cancel()

    def _idle_deadline(self) -> float:
        return self._last_heard + self._settings.idle_timeout_seconds

    async def _on_clock(self) -> None:
        now = self._clock()
        if now >= self._idle_deadline():
            raise Close(NORMAL, "idle timeout")
        if now >= self._next_heartbeat:
            self._next_heartbeat = now + self._settings.heartbeat_seconds
            await self._recheck_session()
            await self._send(HeartbeatMessage(at=datetime.now(UTC)))

    async def _recheck_session(self) -> None:
        try:
            async with owned(self._services.sessionmaker, read_only=True) as session:
                await service.check_grant(session, grant=self._grant)
        except SessionEnded:
            raise Close(POLICY_VIOLATION, "session ended") from None

    async def _on_client(self, message: Message) -> None:
        text = message.get("text")
        if text is None:
            raise Close(UNSUPPORTED_DATA, "send JSON text frames")
        if len(text.encode()) > self._settings.max_message_bytes:
            raise Close(MESSAGE_TOO_BIG, "message too big")
        try:
            parsed = CLIENT_MESSAGE.validate_json(text)
        except ValidationError:
            raise Close(POLICY_VIOLATION, "invalid message") from None
        self._last_heard = self._clock()
        if isinstance(parsed, Subscribe):
            await self._subscribe(parsed)
        elif isinstance(parsed, Unsubscribe):
            await self._unsubscribe(parsed)
        else:
            await self._send(PongMessage())

    async def _subscribe(self, request: Subscribe) -> None:
        is_new = request.render_id not in self._renders and request.shootout_id not in (
            self._shootouts
        )
        if is_new and len(self._renders) + len(self._shootouts) >= (
            self._settings.max_subscriptions_per_connection
        ):
            raise Close(POLICY_VIOLATION, "too many subscriptions")
        try:
            statuses = await self._read_statuses(request)
        except SubscriptionRefused:
            raise Close(POLICY_VIOLATION, "not your render or shootout") from None
        if request.render_id is not None:
            self._renders.add(request.render_id)
        if request.shootout_id is not None:
            self._shootouts.add(request.shootout_id)
        for status in statuses:
            self._cursors[status.render_id] = (status.shootout_id, RenderCursor(_mark(status)))
        await self._send(
            SnapshotMessage(
                render_id=request.render_id, shootout_id=request.shootout_id, renders=statuses
            )
        )

    async def _read_statuses(self, request: Subscribe) -> list[RenderStatus]:
        owner_id = self._grant.user_id
        async with owned(self._services.sessionmaker, read_only=True) as session:
            if request.render_id is not None:
                status = await service.render_status(
                    session, owner_id=owner_id, render_id=request.render_id
                )
                return [status]
            assert request.shootout_id is not None
            return await service.shootout_statuses(
                session,
                owner_id=owner_id,
                shootout_id=request.shootout_id,
                limit=self._settings.shootout_snapshot_limit,
            )

    async def _unsubscribe(self, request: Unsubscribe) -> None:
        if request.render_id is not None:
            self._renders.discard(request.render_id)
        if request.shootout_id is not None:
            self._shootouts.discard(request.shootout_id)
        for render_id, (shootout_id, _) in list(self._cursors.items()):
            if not self._watches(render_id, shootout_id):
                del self._cursors[render_id]
        await self._send(
            UnsubscribedMessage(render_id=request.render_id, shootout_id=request.shootout_id)
        )

    def _watches(self, render_id: uuid.UUID, shootout_id: uuid.UUID | None) -> bool:
        return render_id in self._renders or (
            shootout_id is not None and shootout_id in self._shootouts
        )

    async def _on_event(self, event: RenderEvent) -> None:
        if not self._watches(event.render_id, event.shootout_id):
            return
        mark = Mark(event.attempt, event.state, event.progress, event.at)
        known = self._cursors.get(event.render_id)
        if known is not None and not known[1].admits(mark):
            return
        if known is None:
            self._cursors[event.render_id] = (event.shootout_id, RenderCursor(mark))
        else:
            known[1].advance(mark)
        await self._send(EventMessage(event=LiveEvent.of(event)))

    async def _send(self, message: BaseModel) -> None:
        await self._ws.send_text(message.model_dump_json())


def _mark(status: RenderStatus) -> Mark:
    return Mark(status.attempt, status.state, status.progress, status.updated_at)
