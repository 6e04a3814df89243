"""Domain errors: what went wrong, in the service's words; the HTTP mapping lives in one table.

Services raise these; `server.http.errors` turns them into `{"error", "detail", "request_id"}`
bodies with the status code from `STATUS`. Feature packages subclass them with their own codes.
"""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    code: ClassVar[str] = "error"

    def __init__(self, detail: str, *, extra: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra or {}


class NotFound(DomainError):
    code = "not_found"


class Unauthorized(DomainError):
    code = "unauthorized"


class Forbidden(DomainError):
    code = "forbidden"


class Conflict(DomainError):
    code = "conflict"


class Invalid(DomainError):
    code = "invalid"


class BadRequest(DomainError):
    """A request that cannot be taken as it stands, for a reason other than its shape (a
    sign-in callback whose `state` is unknown, used or from another browser)."""

    code = "bad_request"


class TooLarge(DomainError):
    code = "too_large"


class RateLimited(DomainError):
    code = "rate_limited"

    def __init__(self, detail: str, *, retry_after_seconds: int) -> None:
        super().__init__(detail, extra={"retry_after_seconds": retry_after_seconds})
        self.retry_after_seconds = retry_after_seconds


class InsufficientStorage(DomainError):
    code = "insufficient_storage"


class ServiceUnavailable(DomainError):
    """Something the service depends on is down for a moment; the client may retry."""

    code = "service_unavailable"

    def __init__(self, detail: str, *, retry_after_seconds: int) -> None:
        super().__init__(detail, extra={"retry_after_seconds": retry_after_seconds})
        self.retry_after_seconds = retry_after_seconds


class BadGateway(DomainError):
    """A service we call answered something we cannot use."""

    code = "bad_gateway"


STATUS: dict[type[DomainError], int] = {
    NotFound: 404,
    Unauthorized: 401,
    Forbidden: 403,
    Conflict: 409,
    Invalid: 422,
    BadRequest: 400,
    TooLarge: 413,
    RateLimited: 429,
    InsufficientStorage: 507,
    ServiceUnavailable: 503,
    BadGateway: 502,
}


def status_for(error: DomainError) -> int:
    """The HTTP status of a domain error: its nearest base class in `STATUS`."""
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500
