"""Realtime domain errors; the socket turns each into a close code, HTTP into a status."""

from __future__ import annotations

from toneshootout.server.errors import Forbidden, Unauthorized


class TicketRejected(Unauthorized):
    """The ticket is unknown, expired or already used (one reason for all three)."""

    code = "ticket_rejected"

    def __init__(self) -> None:
        super().__init__("the ticket is invalid, expired or already used")


class SessionEnded(Unauthorized):
    """The login session behind the socket ended (logout, password change, account gone)."""

    code = "session_ended"

    def __init__(self) -> None:
        super().__init__("the session behind this socket has ended")


class SubscriptionRefused(Forbidden):
    """A subscription to a render or shootout that is not the caller's (or does not exist)."""

    code = "subscription_refused"

    def __init__(self) -> None:
        super().__init__("no such render or shootout")
