"""Email normalisation and validation: one canonical account name per address."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from toneshootout.server.auth.emails import normalize_email


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Player@Example.COM ", "player@example.com"),
        ("ｐｌａｙｅｒ＠ｅｘａｍｐｌｅ．ｃｏｍ", "player@example.com"),  # fullwidth → NFKC
        ("first.last+tag@sub.example.org", "first.last+tag@sub.example.org"),
        ("José@Bücher.de", "josé@bücher.de"),
    ],
)
def test_normalize_email_canonicalises(raw: str, expected: str) -> None:
    assert normalize_email(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "no-at-sign",
        "@example.com",
        "player@",
        "player@localhost",
        "player@example.123",
        "pla yer@example.com",
        "player@exa mple.com",
        ".player@example.com",
        "pla..yer@example.com",
        "player@-example.com",
        "player@example..com",
        "a\u200b@example.com",  # zero-width space
        "a\n@example.com",
        '"quoted"@example.com',
        "player@[127.0.0.1]",
        "x" * 65 + "@example.com",
        "x@" + "a" * 250 + ".com",
    ],
)
def test_normalize_email_refuses_malformed(raw: str) -> None:
    with pytest.raises(ValueError, match=r"\w"):
        normalize_email(raw)


@given(st.emails())
def test_normalize_email_is_idempotent(raw: str) -> None:
    try:
        once = normalize_email(raw)
    except ValueError:
        return  # hypothesis emails include forms we refuse (e.g. very long labels)
    assert normalize_email(once) == once
    assert once == once.strip().lower()
