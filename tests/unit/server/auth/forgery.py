"""Hand-built JWTs for the forged-token suite (REQ-01): no library refuses to build them here."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from typing import Any

from toneshootout.settings import AuthSettings

# Any PEM public key: the classic attack uses it as an HMAC secret under an RS256/HS256 swap.
PUBLIC_KEY_PEM = (
    b"-----BEGIN PUBLIC KEY-----\n"
    b"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEVs/o5+uQbTjL3chynL4wXgUg2R9\n"
    b"q9UU8I5mEovUf86QZ7kOBIjJwqnzD1omageEHWwHdBO6B+dFabmdT9POxg==\n"
    b"-----END PUBLIC KEY-----\n"
)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign(header: dict[str, Any], payload: dict[str, Any], key: bytes | None) -> str:
    """A compact JWS; HMAC-SHA-{256,384,512} by the header's alg, or no signature."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"
    if key is None:
        return signing_input + "."
    digest = {"HS384": hashlib.sha384, "HS512": hashlib.sha512}.get(header["alg"], hashlib.sha256)
    mac = hmac.new(key, signing_input.encode(), digest).digest()
    return f"{signing_input}.{b64(mac)}"


def good_claims(auth: AuthSettings, user_id: uuid.UUID, session_id: uuid.UUID) -> dict[str, Any]:
    now = int(time.time())
    return {
        "sub": str(user_id),
        "sid": str(session_id),
        "iss": auth.issuer,
        "aud": auth.audience,
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "jti": uuid.uuid4().hex,
        "typ": "access",
    }


def forged_tokens(
    auth: AuthSettings, *, user_id: uuid.UUID, session_id: uuid.UUID, victim_id: uuid.UUID
) -> dict[str, str]:
    """Every forgery the validator must refuse, by name."""
    key = auth.secret_key.get_secret_value().encode()
    claims = good_claims(auth, user_id, session_id)
    hs256 = {"alg": "HS256", "typ": "JWT"}
    forged = {f"alg {alg}": sign({"alg": alg, "typ": "JWT"}, claims, None) for alg in _NONE_ALGS}
    forged |= {
        "alg HS512 swap": sign({"alg": "HS512", "typ": "JWT"}, claims, key),
        "alg HS384 swap": sign({"alg": "HS384", "typ": "JWT"}, claims, key),
        "RS256 header, public key as HMAC secret": sign({"alg": "RS256"}, claims, PUBLIC_KEY_PEM),
        "HS256 with public key as secret": sign(hs256, claims, PUBLIC_KEY_PEM),
        "embedded jwk header": sign(
            {"alg": "HS256", "jwk": {"kty": "oct", "k": b64(b"attacker")}}, claims, b"attacker"
        ),
        "other secret": sign(hs256, claims, b"not-the-server-secret-0123456789abcdef"),
        "expired": sign(hs256, claims | {"exp": claims["iat"] - 3600}, key),
        "nbf in future": sign(hs256, claims | {"nbf": claims["iat"] + 3600}, key),
        "iat in future": sign(hs256, claims | {"iat": claims["iat"] + 3600}, key),
        "wrong audience": sign(hs256, claims | {"aud": "someone-else"}, key),
        "wrong issuer": sign(hs256, claims | {"iss": "evil"}, key),
        "typ refresh": sign(hs256, claims | {"typ": "refresh"}, key),
        "iat as string": sign(hs256, claims | {"iat": str(claims["iat"])}, key),
        "sub not a uuid": sign(hs256, claims | {"sub": "admin"}, key),
        "non-utf8 payload": _non_utf8(key),
        "garbage": "not-a-jwt",
        "three garbage parts": "a.b.c",
        "oversized": "a" * 10_000,
    }
    forged |= {
        f"missing {claim}": sign(hs256, {k: v for k, v in claims.items() if k != claim}, key)
        for claim in claims
    }
    forged["tampered payload"] = _tampered(
        sign(hs256, claims, key), claims | {"sub": str(victim_id)}
    )
    return forged


_NONE_ALGS = ("none", "None", "NONE", "nOnE")


def _tampered(token: str, payload: dict[str, Any]) -> str:
    header, _, signature = token.split(".")
    return f"{header}.{b64(json.dumps(payload).encode())}.{signature}"


def _non_utf8(key: bytes) -> str:
    bad_payload = b"\xff\xfe{\x80}"  # not UTF-8, so not JSON text either
    signing_input = f"{b64(json.dumps({'alg': 'HS256'}).encode())}.{b64(bad_payload)}"
    mac = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(mac)}"
