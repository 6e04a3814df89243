"""Render domain errors: missing renders and files, finished renders, caps, idempotency keys."""

from __future__ import annotations

from toneshootout.server.errors import Conflict, Invalid, NotFound, RateLimited


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
