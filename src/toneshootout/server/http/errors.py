"""Every error leaves as `{"error", "detail", "request_id"}`: no tracebacks, SQL or paths."""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from toneshootout.server.db.engine import DATABASE_ERROR_TYPES, as_unavailable
from toneshootout.server.errors import DomainError, RateLimited, ServiceUnavailable, status_for
from toneshootout.server.http.request_id import request_id_var
from toneshootout.server.storage.base import StorageUnavailable

log = logging.getLogger("toneshootout.http")

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    416: "range_not_satisfiable",
    422: "invalid",
    429: "rate_limited",
}


def error_body(code: str, detail: Any, **extra: Any) -> dict[str, Any]:
    """The one error shape: `{"error", "detail", "request_id", ...extra}`."""
    return {"error": code, "detail": detail, "request_id": request_id_var.get(), **extra}


async def _domain(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    headers = {}
    if isinstance(exc, RateLimited | ServiceUnavailable):
        headers["Retry-After"] = str(exc.retry_after_seconds)
    return JSONResponse(
        error_body(exc.code, exc.detail, **exc.extra), status_code=status_for(exc), headers=headers
    )


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [
        {"path": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg", "")}
        for e in exc.errors()
    ]
    return JSONResponse(error_body("invalid", problems), status_code=422)


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "error")
    return JSONResponse(
        error_body(code, exc.detail), status_code=exc.status_code, headers=exc.headers
    )


async def _database(request: Request, exc: Exception) -> JSONResponse:
    unavailable = as_unavailable(exc)
    if unavailable is None:
        raise exc  # not an outage: the catch-all below answers 500 and logs the traceback
    # One line, no traceback: an outage is an operational event, and its cause is in the
    # database's own logs.
    log.warning(
        "database unavailable",
        extra={"request_id": request_id_var.get(), "error_type": type(exc).__name__},
    )
    return await _domain(request, unavailable)


async def _storage(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StorageUnavailable)
    # The detail names the bucket and what failed: for the logs, not for the client.
    log.warning(
        "storage unavailable: %s",
        exc,
        extra={"request_id": request_id_var.get(), "error_type": type(exc.__cause__).__name__},
    )
    return JSONResponse(
        error_body("storage_unavailable", "file storage is not answering; try again shortly"),
        status_code=503,
        headers={"Retry-After": str(exc.retry_after_seconds)},
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", extra={"request_id": request_id_var.get()})
    return JSONResponse(error_body("internal", "internal server error"), status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that give every raised error the one JSON shape."""
    app.add_exception_handler(DomainError, _domain)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    for error_type in DATABASE_ERROR_TYPES:  # 503 for a database outage, else on to the 500
        app.add_exception_handler(error_type, _database)
    app.add_exception_handler(StorageUnavailable, _storage)  # a bucket down or slow: 503
    app.add_exception_handler(Exception, _unexpected)


_MAX_PLAIN_DETAIL = 200


class PlainErrorsAsJsonMiddleware:
    """Rewrites framework-made `text/plain` error answers (the body limit's 413, a Range 416)
    into the JSON error shape, keeping their status and headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        held: Message | None = None
        text = b""

        async def send_json_errors(message: Message) -> None:
            nonlocal held, text
            if message["type"] == "http.response.start" and _is_plain_error(message):
                held = message
                return
            if held is None or message["type"] != "http.response.body":
                await send(message)
                return
            text += message.get("body", b"")
            if not message.get("more_body", False):
                await _send_as_json(send, held, text)

        await self.app(scope, receive, send_json_errors)


def _is_plain_error(message: Message) -> bool:
    if int(message["status"]) < 400:
        return False
    content_type = MutableHeaders(raw=list(message.get("headers", []))).get("content-type", "")
    return content_type.startswith("text/plain")


async def _send_as_json(send: Send, start: Message, text: bytes) -> None:
    status = int(start["status"])
    detail = text.decode("utf-8", "replace").strip()[:_MAX_PLAIN_DETAIL]
    body = json.dumps(error_body(_HTTP_CODES.get(status, "error"), detail)).encode()
    headers = MutableHeaders(raw=list(start.get("headers", [])))
    headers["content-type"] = "application/json"
    headers["content-length"] = str(len(body))
    await send({**start, "headers": headers.raw})
    await send({"type": "http.response.body", "body": body, "more_body": False})
