"""Security events on the `toneshootout.security` logger (REQ-37).

Each record carries `event`, `user_id` and `request_id` as structured fields. Callers pass only
identifiers and fixed reason words: never emails, passwords, tokens or hashes.
"""

from __future__ import annotations

import logging
import uuid

from toneshootout.server.http.request_id import request_id_var

log = logging.getLogger("toneshootout.security")


def security_event(
    event: str,
    *,
    user_id: uuid.UUID | None = None,
    reason: str | None = None,
    level: int = logging.INFO,
) -> None:
    """Log one security event with the current request's ID."""
    fields = {
        "event": event,
        "user_id": str(user_id) if user_id else None,
        "request_id": request_id_var.get(),
    }
    if reason is not None:
        fields["reason"] = reason
    message = f"{event} reason={reason}" if reason else event
    log.log(level, message, extra=fields)
