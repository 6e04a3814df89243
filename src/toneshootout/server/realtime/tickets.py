"""WebSocket tickets: 256-bit random strings handed out once, kept only as SHA-256 hashes.

A browser cannot set `Authorization` on a WebSocket and a long-lived token in the URL would end
up in logs and history, so the page trades its session for a ticket that works once, within
seconds (REQ-31). The hash lets the database answer "which ticket is this" without holding
anything an attacker reading it could replay.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Final

TICKET_BYTES: Final = 32  # 256 bits of randomness, far above the 128-bit floor
MAX_TICKET_CHARS: Final = 128  # longer query values are refused before hashing


def new_ticket() -> str:
    """A fresh URL-safe ticket."""
    return secrets.token_urlsafe(TICKET_BYTES)


def hash_ticket(ticket: str) -> str:
    """The hex SHA-256 under which a ticket is stored and looked up."""
    return hashlib.sha256(ticket.encode()).hexdigest()
