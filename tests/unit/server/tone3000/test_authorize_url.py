"""The authorize URL the sign-in builds (`tone3000.oauth.authorize_url`)."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest

from toneshootout.tone3000.oauth import authorize_url, new_pkce

BASE = "https://www.tone3000.com/"
REDIRECT = "https://shootout.example/api/v1/auth/tone3000/callback"


def _build(**extra: str) -> str:
    return authorize_url(
        BASE,
        client_id="t3k_pub_x",
        redirect_uri=REDIRECT,
        state="s" * 43,
        challenge=new_pkce().challenge,
        prompt="select_tone",
        extra=extra,
    )


def test_authorize_url_carries_pkce_s256_and_the_picker_scope() -> None:
    url = _build(format="nam", architecture="2")
    assert url.startswith("https://www.tone3000.com/api/v1/oauth/authorize?")
    params = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    assert params["code_challenge_method"] == "S256"
    assert params["redirect_uri"] == REDIRECT
    assert params["prompt"] == "select_tone"
    assert (params["format"], params["architecture"]) == ("nam", "2")


@pytest.mark.parametrize("key", ["redirect_uri", "state", "client_id", "prompt", "code_challenge"])
def test_extra_cannot_replace_the_core_parameters(key: str) -> None:
    with pytest.raises(ValueError, match=key):
        _build(**{key: "https://evil.example"})


def test_pkce_challenge_is_the_s256_of_the_verifier() -> None:
    pkce = new_pkce()
    digest = hashlib.sha256(pkce.verifier.encode()).digest()
    assert pkce.challenge == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert 43 <= len(pkce.verifier) <= 128
