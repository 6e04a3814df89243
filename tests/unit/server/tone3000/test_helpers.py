"""The small pure parts of signing in with TONE3000: secrets, query rewriting, cookie names,
page messages."""

from __future__ import annotations

import pytest

from toneshootout.server.tone3000 import messages
from toneshootout.server.tone3000.callback import with_query
from toneshootout.server.tone3000.cookies import (
    SECURE_STATE_COOKIE,
    STATE_COOKIE,
    state_cookie_name,
)
from toneshootout.server.tone3000.oauth_state import digest, is_secret, new_secret
from toneshootout.settings import AuthSettings


def test_new_secrets_are_256_bit_and_recognised() -> None:
    values = {new_secret() for _ in range(100)}
    assert len(values) == 100
    assert all(len(v) == 43 and is_secret(v) for v in values)


@pytest.mark.parametrize(
    "value", [None, "", "short", "A" * 42, "A" * 44, "A" * 42 + "=", "A" * 42 + "/", "é" * 43]
)
def test_anything_else_is_not_a_secret(value: str | None) -> None:
    assert not is_secret(value)


def test_digest_is_hex_sha256() -> None:
    assert digest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert digest("\udcff") != digest("")  # lone surrogates from a mangled query still hash


@pytest.mark.parametrize(
    ("path", "params", "expected"),
    [
        ("/shootouts", {"t3k_tone": "4201"}, "/shootouts?t3k_tone=4201"),
        ("/shootouts/x?tab=a", {"t3k": "linked"}, "/shootouts/x?tab=a&t3k=linked"),
        ("/s?t3k_tone=1&t3k_format=ir&a=1", {"t3k_tone": "2"}, "/s?a=1&t3k_tone=2"),
        ("/s#chains", {"t3k_canceled": "1"}, "/s?t3k_canceled=1#chains"),
        ("/s?q=a+b&e=", {"t3k": "x"}, "/s?q=a+b&e=&t3k=x"),
    ],
)
def test_with_query_sets_our_values_and_keeps_the_rest(
    path: str, params: dict[str, str], expected: str
) -> None:
    assert with_query(path, params) == expected


def test_binding_cookie_is_host_prefixed_only_when_secure() -> None:
    assert state_cookie_name(AuthSettings(cookie_secure=True)) == SECURE_STATE_COOKIE
    assert SECURE_STATE_COOKIE.startswith("__Host-")
    assert state_cookie_name(AuthSettings(cookie_secure=False)) == STATE_COOKIE


def test_messages_come_from_the_table_only() -> None:
    assert messages.message(messages.LOGIN, "canceled")
    assert messages.message(messages.ACCOUNT, "linked")
    for key in (None, "", "<script>", "__class__", "get"):
        assert messages.message(messages.LOGIN, key) is None
