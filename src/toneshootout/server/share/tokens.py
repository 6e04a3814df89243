"""Share tokens (REQ-12): 256 random bits in the URL, only their SHA-256 kept in the database.

A token is long enough that guessing is hopeless (misses are also rate-limited), and hashing it
means a leaked database or backup does not hand out working links. The owner's list shows the
last four characters (`hint`) so two links can be told apart without keeping the token.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import Final

TOKEN_BYTES: Final = 32  # 256 bits; token_urlsafe gives 43 characters
HINT_CHARS: Final = 4
_TOKEN_SHAPE: Final = re.compile(r"[A-Za-z0-9_-]{43}")


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def hint(token: str) -> str:
    return token[-HINT_CHARS:]


def well_formed(token: str) -> bool:
    """Whether `token` could be one of ours; anything else is a miss without a database query."""
    return _TOKEN_SHAPE.fullmatch(token) is not None
