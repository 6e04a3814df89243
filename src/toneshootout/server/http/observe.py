"""Per-request access log line and Prometheus series, from one timing, as pure ASGI.

The log line names the route template, method, status and duration, with the request and
user IDs from the log context; never the raw URL or query string (share links and OAuth
callbacks carry secrets there) and never headers.
"""

from __future__ import annotations

import re
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from toneshootout.server.logging import get_logger
from toneshootout.server.ops.metrics import UNMATCHED_ROUTE, HttpMetrics

_log = get_logger("toneshootout.access")
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def route_template(scope: Scope) -> str:
    """The matched route's full path template, or a fixed label when nothing matched."""
    route = scope.get("route")
    template = getattr(route, "path", None)
    pattern = getattr(route, "path_regex", None)
    if not isinstance(template, str) or not isinstance(pattern, re.Pattern):
        return UNMATCHED_ROUTE
    # FastAPI 0.165 keeps an included router's routes unprefixed (`/shootouts/{id}`); the
    # prefix is what the request path has before the part the route itself matched. Our
    # router prefixes are static (`/api/v1`), so no request data enters the label.
    path: str = scope.get("path", "")
    for index, char in enumerate(path):
        if char == "/" and pattern.match(path[index:]):
            return path[:index] + template
    return template


class ObserveMiddleware:
    """Times each HTTP request, then logs it and updates `HttpMetrics`."""

    def __init__(self, app: ASGIApp, *, metrics: HttpMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets if the app raises before answering

        async def send_observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_observed)
        finally:
            self._record(scope, status, time.perf_counter() - started)

    def _record(self, scope: Scope, status: int, seconds: float) -> None:
        method = scope.get("method", "GET")
        method = method if method in _METHODS else "OTHER"  # bounded label values
        route = route_template(scope)
        self.metrics.observe(method=method, route=route, status=status, seconds=seconds)
        _log.info(
            "request",
            method=method,
            route=route,
            status=status,
            duration_ms=round(seconds * 1000, 2),
        )
