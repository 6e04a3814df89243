"""Give every request an ID (ours, never the client's), expose it, and keep it for logs."""

from __future__ import annotations

import contextvars
import secrets

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from toneshootout.server.logging import request_log_context

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


class RequestIdMiddleware:
    """Pure ASGI (no BaseHTTPMiddleware): sets `X-Request-ID` on every response.

    It also opens the request's log context, so every log record made while the request is
    handled (including the 500 handler's) carries the same ID as the response.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id = secrets.token_hex(8)
        token = request_id_var.set(request_id)
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            with request_log_context(request_id):
                await self.app(scope, receive, send_with_id)
        finally:
            request_id_var.reset(token)
