"""The listener: a signed random id in a cookie, so strangers can vote without an account.

`ts_listener = <uuid>.<HMAC-SHA256(uuid)>`, keyed from the app's secret with the label
"listener" (so this key signs nothing else). The signature stops a listener from claiming
someone else's id to read their session; it cannot stop anyone from dropping the cookie to
become a new listener, which is why votes are also rate-limited per IP (docs/LISTENING.md).
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass
from typing import Final

from toneshootout.settings import AuthSettings

COOKIE_NAME: Final = "ts_listener"
MAX_AGE_SECONDS: Final = 365 * 24 * 3600
_LABEL: Final = b"listener"


@dataclass(frozen=True)
class Listener:
    id: uuid.UUID
    fresh: bool  # made for this request: the response must set the cookie


def _key(auth: AuthSettings) -> bytes:
    return hmac.new(auth.secret_key.get_secret_value().encode(), _LABEL, hashlib.sha256).digest()


def sign(auth: AuthSettings, listener_id: uuid.UUID) -> str:
    mac = hmac.new(_key(auth), listener_id.hex.encode(), hashlib.sha256).hexdigest()
    return f"{listener_id}.{mac}"


def verify(auth: AuthSettings, value: str | None) -> uuid.UUID | None:
    """The listener id a cookie value carries, if it is ours and untampered."""
    if not value or len(value) > 200:
        return None
    raw_id, _, mac = value.partition(".")
    try:
        listener_id = uuid.UUID(raw_id)
    except ValueError:
        return None
    expected = sign(auth, listener_id).partition(".")[2]
    return listener_id if hmac.compare_digest(mac.encode(), expected.encode()) else None


def existing_or_new(auth: AuthSettings, value: str | None) -> Listener:
    found = verify(auth, value)
    return Listener(found, fresh=False) if found else Listener(uuid.uuid4(), fresh=True)
