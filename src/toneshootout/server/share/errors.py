"""Share errors. A missing, revoked or expired link is one and the same 404 (REQ-12)."""

from __future__ import annotations

from toneshootout.server.errors import Conflict, Invalid, NotFound


class ShareNotFound(NotFound):
    """Never-existed, revoked and expired links answer exactly alike, so none can be probed."""

    code = "not_found"

    def __init__(self) -> None:
        super().__init__("no such shared render")


class OwnerShareNotFound(NotFound):
    code = "not_found"

    def __init__(self) -> None:
        super().__init__("share not found")


class ShareExpiryInvalid(Invalid):
    code = "invalid_expiry"


class ShareRenderNotSucceeded(Conflict):
    code = "render_not_succeeded"

    def __init__(self, state: str) -> None:
        super().__init__(f"the render is {state}; only a succeeded render can be shared")


class ShareFileNotFound(NotFound):
    """A file the listener may not fetch reads exactly like one that does not exist."""

    code = "not_found"

    def __init__(self) -> None:
        super().__init__("no such file in this shared render")
