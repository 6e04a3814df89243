"""Errors the resource API answers with, in TONE3000's `{"error": ...}` shape."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

UNAUTHORIZED = "Missing or invalid Authorization header"


class ApiError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {"error": message}
        self.headers = headers or {}


def unauthorized() -> ApiError:
    return ApiError(401, UNAUTHORIZED)


def not_found(what: str = "Not found") -> ApiError:
    return ApiError(404, what)


async def api_error_handler(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return JSONResponse(exc.body, status_code=exc.status, headers=exc.headers)
