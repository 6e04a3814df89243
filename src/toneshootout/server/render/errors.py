"""Render domain errors: missing renders and files, finished renders, caps, idempotency keys,
and the TONE3000 models a render could not look up."""

from __future__ import annotations

from typing import Any

from toneshootout.server.errors import (
    BadGateway,
    Conflict,
    Invalid,
    NotFound,
    RateLimited,
    ServiceUnavailable,
)


class RenderNotFound(NotFound):
    code = "not_found"

    def __init__(self) -> None:
        super().__init__("render not found")


class RenderFileNotFound(NotFound):
    code = "not_found"

    def __init__(self) -> None:
        super().__init__("no such file in this render")


class RenderNotSucceeded(Conflict):
    """Results are asked of a render that has none (yet)."""

    code = "render_not_succeeded"

    def __init__(self, state: str) -> None:
        super().__init__(f"the render is {state}; results exist only once it has succeeded")


class RenderFinished(Conflict):
    code = "render_finished"

    def __init__(self, state: str) -> None:
        super().__init__(f"the render is already {state}")


class TooManyRenders(RateLimited):
    code = "too_many_renders"

    def __init__(self, active: int, limit: int) -> None:
        super().__init__(
            f"you have {active} renders queued or running (limit {limit}); "
            "wait for one to finish or cancel one",
            retry_after_seconds=30,
        )


class IdempotencyKeyInvalid(Invalid):
    code = "invalid_idempotency_key"

    def __init__(self) -> None:
        super().__init__("Idempotency-Key must be 1 to 255 printable ASCII characters")


class IdempotencyKeyReused(Invalid):
    code = "idempotency_key_reused"

    def __init__(self) -> None:
        super().__init__(
            "this Idempotency-Key was already used for a different render request; "
            "use a new key for a new request"
        )


def _at(path: str | None) -> dict[str, Any]:
    return {"path": path} if path else {}


class Tone3000NotConfigured(Conflict):
    code = "tone3000_disabled"

    def __init__(self) -> None:
        super().__init__(
            "this server is not connected to TONE3000: replace the TONE3000 blocks with "
            "items from your library"
        )


class Tone3000SignInRequired(Conflict):
    """The user has no TONE3000 link, or its tokens are gone (revoked, expired, unreadable)."""

    code = "tone3000_sign_in_required"

    def __init__(self) -> None:
        super().__init__(
            "this shootout uses models from TONE3000: sign in with TONE3000, then render again"
        )


class Tone3000Private(Conflict):
    code = "tone3000_private"

    def __init__(self, detail: str, *, path: str | None = None) -> None:
        super().__init__(detail, extra=_at(path))


class Tone3000Deleted(Conflict):
    code = "tone3000_deleted"

    def __init__(self, detail: str, *, path: str | None = None) -> None:
        super().__init__(detail, extra=_at(path))


class Tone3000WrongModel(Invalid):
    """The block names a model of another tone, or a model of the wrong kind for the block."""

    code = "tone3000_wrong_model"

    def __init__(self, detail: str, *, path: str) -> None:
        super().__init__(detail, extra=_at(path))


class Tone3000Unreachable(ServiceUnavailable):
    code = "tone3000_unreachable"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, retry_after_seconds=30)


class Tone3000Busy(RateLimited):
    code = "tone3000_rate_limited"

    def __init__(self, detail: str, *, retry_after_seconds: int) -> None:
        super().__init__(detail, retry_after_seconds=retry_after_seconds)


class Tone3000BadAnswer(BadGateway):
    code = "tone3000_bad_response"


class Tone3000LookupMissing(Conflict):
    """The shootout changed between looking its TONE3000 models up and submitting it."""

    code = "tone3000_lookup_missing"

    def __init__(self) -> None:
        super().__init__(
            "the shootout changed while its TONE3000 models were looked up: submit again"
        )
