"""Strict CORS (REQ-22): only the configured origins, credentials allowed, never a wildcard.

Starlette's CORSMiddleware echoes *any* Origin when told `*` with credentials (RELIABILITY.md
finding 5), so a wildcard is refused outright. It also adds `Allow-Credentials` and
`Expose-Headers` to answers for origins it refuses; `StrictCORSMiddleware` hands it only
requests from allowed origins, so a foreign origin gets no CORS header at all.
"""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from toneshootout.server.http.errors import error_body
from toneshootout.settings import Settings

ALLOWED_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
ALLOWED_HEADERS = ("Authorization", "Content-Type", "X-CSRF-Token", "Idempotency-Key", "Range")
EXPOSED_HEADERS = ("X-Request-ID", "Retry-After", "Content-Disposition", "Content-Range")


def cors_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for `StrictCORSMiddleware`; refuses wildcards and non-origins."""
    origins = list(settings.http.cors_origins)
    for origin in origins:
        if "*" in origin:
            raise ValueError(
                "http.cors_origins: wildcards are refused; list each allowed origin exactly"
            )
        if not origin.startswith(("https://", "http://")) or origin.endswith("/"):
            raise ValueError(
                f"http.cors_origins: {origin!r} is not an origin like https://app.example"
            )
    return {
        "allow_origins": origins,
        "allow_credentials": True,
        "allow_methods": list(ALLOWED_METHODS),
        "allow_headers": list(ALLOWED_HEADERS),
        "expose_headers": list(EXPOSED_HEADERS),
        "max_age": 600,
    }


def _is_preflight(scope: Scope, headers: Headers) -> bool:
    return scope.get("method") == "OPTIONS" and "access-control-request-method" in headers


class StrictCORSMiddleware:
    """CORS for the listed origins only; other origins' preflights get a plain 403."""

    def __init__(self, app: ASGIApp, /, **options: Any) -> None:
        self.app = app
        self.allowed = frozenset(options["allow_origins"])
        self.cors = CORSMiddleware(app, **options)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if origin is None or origin in self.allowed:
            await self.cors(scope, receive, send)
        elif _is_preflight(scope, headers):
            refusal = JSONResponse(error_body("forbidden", "origin not allowed"), status_code=403)
            await refusal(scope, receive, send)
        else:
            await self.app(scope, receive, send)  # served, but no browser may read it
