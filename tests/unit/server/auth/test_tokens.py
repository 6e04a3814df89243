"""Access and refresh tokens (REQ-01, REQ-02): what is issued, and every forgery refused."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import jwt
import pytest

from tests.unit.server.auth.forgery import forged_tokens
from toneshootout.server.auth.errors import InvalidToken
from toneshootout.server.auth.tokens import (
    decode_access_token,
    hash_refresh_token,
    issue_access_token,
    new_refresh_token,
)
from toneshootout.settings import AuthSettings

AUTH = AuthSettings()
USER = uuid.uuid4()
SESSION = uuid.uuid4()


def _forged() -> dict[str, str]:
    # Built per test: the tokens carry times relative to now, so they must not go stale.
    return forged_tokens(AUTH, user_id=USER, session_id=SESSION, victim_id=uuid.uuid4())


def test_pyjwt_is_at_least_2_13_0() -> None:
    # 2.13.0 fixes CVE-2026-48526 (a JWK accepted as an HMAC secret).
    major, minor, patch = (int(part) for part in jwt.__version__.split(".")[:3])
    assert (major, minor, patch) >= (2, 13, 0)


def test_decode_access_token_round_trips_claims() -> None:
    now = datetime.now(UTC)
    token = issue_access_token(AUTH, user_id=USER, session_id=SESSION, now=now)
    claims = decode_access_token(AUTH, token)
    assert claims.user_id == USER
    assert claims.session_id == SESSION
    assert abs((claims.issued_at - now).total_seconds()) < 1e-5
    assert jwt.get_unverified_header(token)["alg"] == "HS256"


def test_issue_access_token_sets_every_required_claim() -> None:
    token = issue_access_token(AUTH, user_id=USER, session_id=SESSION, now=datetime.now(UTC))
    payload = jwt.decode(token, options={"verify_signature": False})
    assert {"exp", "iat", "nbf", "sub", "aud", "iss", "jti", "typ", "sid"} <= payload.keys()
    assert payload["typ"] == "access"
    assert payload["exp"] - payload["nbf"] == AUTH.access_ttl_seconds


@pytest.mark.parametrize("name", sorted(_forged()))
def test_decode_access_token_refuses_forgery(name: str) -> None:
    token = _forged()[name]
    with pytest.raises(InvalidToken):
        decode_access_token(AUTH, token)


def test_decode_access_token_accepts_expiry_within_leeway() -> None:
    past = datetime.fromtimestamp(datetime.now(UTC).timestamp() - AUTH.access_ttl_seconds - 10, UTC)
    token = issue_access_token(AUTH, user_id=USER, session_id=SESSION, now=past)
    assert decode_access_token(AUTH, token).user_id == USER


def test_new_refresh_token_is_random_and_stored_as_sha256() -> None:
    tokens = {new_refresh_token() for _ in range(100)}
    assert len(tokens) == 100
    token = tokens.pop()
    assert len(token) >= 43  # 32 random bytes, base64url
    digest = hash_refresh_token(token)
    assert len(digest) == 64
    assert token not in digest
    assert int(digest, 16) >= 0
