"""Access JWTs (HS256, short-lived) and opaque refresh tokens (random, stored hashed).

Access tokens follow RFC 8725: one algorithm and key from settings, every claim required
(`exp`, `iat`, `nbf`, `sub`, `aud`, `iss`, `jti`, `typ`, plus `sid`, the refresh family they
belong to), at most 30 s of clock leeway. `iat` keeps sub-second precision so a token minted
just after "log out everywhere" is not mistaken for one minted before it.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from toneshootout.server.auth.errors import InvalidToken
from toneshootout.settings import AuthSettings

ACCESS_TYPE = "access"
LEEWAY_SECONDS = 30
MAX_TOKEN_CHARS = 4096  # far above a real token; refuse before doing any work
REQUIRED_CLAIMS = ["exp", "iat", "nbf", "sub", "aud", "iss", "jti", "typ", "sid"]


@dataclass(frozen=True)
class AccessClaims:
    """What a verified access token says."""

    user_id: uuid.UUID
    session_id: uuid.UUID
    issued_at: datetime
    token_id: str


def issue_access_token(
    auth: AuthSettings, *, user_id: uuid.UUID, session_id: uuid.UUID, now: datetime
) -> str:
    """A signed access token for `user_id` in refresh family `session_id`, valid from `now`."""
    issued = now.timestamp()
    claims = {
        "sub": str(user_id),
        "sid": str(session_id),
        "iss": auth.issuer,
        "aud": auth.audience,
        "iat": issued,
        "nbf": int(issued),
        "exp": int((now + timedelta(seconds=auth.access_ttl_seconds)).timestamp()),
        "jti": secrets.token_hex(16),
        "typ": ACCESS_TYPE,
    }
    return jwt.encode(claims, auth.secret_key.get_secret_value(), algorithm=auth.algorithm)


def decode_access_token(auth: AuthSettings, token: str) -> AccessClaims:
    """Verify `token` (signature, algorithm, every claim); raise `InvalidToken` otherwise."""
    if len(token) > MAX_TOKEN_CHARS:
        raise InvalidToken("access token is too long")
    try:
        payload = jwt.decode(
            token,
            auth.secret_key.get_secret_value(),
            algorithms=[auth.algorithm],
            audience=auth.audience,
            issuer=auth.issuer,
            leeway=LEEWAY_SECONDS,
            options={"require": REQUIRED_CLAIMS},
        )
        return _claims(payload)
    except (jwt.PyJWTError, ValueError, TypeError) as err:  # ValueError covers bad UTF-8
        raise InvalidToken("access token is invalid or expired") from err


def _claims(payload: dict[str, object]) -> AccessClaims:
    if payload["typ"] != ACCESS_TYPE:
        raise ValueError("not an access token")
    issued = payload["iat"]
    if isinstance(issued, bool) or not isinstance(issued, int | float):
        raise ValueError("iat is not a number")
    return AccessClaims(
        user_id=uuid.UUID(str(payload["sub"])),
        session_id=uuid.UUID(str(payload["sid"])),
        issued_at=datetime.fromtimestamp(issued, UTC),
        token_id=str(payload["jti"]),
    )


def new_refresh_token() -> str:
    """A fresh opaque refresh token: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def hash_refresh_token(token: str) -> str:
    """The hex SHA-256 stored in place of a refresh token (it is random, so no salt needed)."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
