"""Small page rules: where `next` may send a visitor, and how long static files are cached."""

from __future__ import annotations

import pytest

from toneshootout.server.web.deps import login_url, safe_next
from toneshootout.server.web.pages import page_csp
from toneshootout.server.web.static import IMMUTABLE, REVALIDATE, cache_control


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/library", "/library"),
        ("/shootouts/1?x=2#y", "/shootouts/1?x=2#y"),
        (None, "/shootouts"),
        ("", "/shootouts"),
        ("library", "/shootouts"),
        ("//evil.example", "/shootouts"),
        ("/\\evil.example", "/shootouts"),
        ("https://evil.example/x", "/shootouts"),
        ("/ok\r\nSet-Cookie: x=1", "/shootouts"),
    ],
)
def test_safe_next_keeps_only_same_site_paths(value: str | None, expected: str) -> None:
    assert safe_next(value) == expected


def test_login_url_quotes_the_next_path() -> None:
    assert login_url("/shootouts/1?a=b&c=d") == "/login?next=/shootouts/1%3Fa%3Db%26c%3Dd"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("vendor/wavesurfer.js@7.9.9/wavesurfer.esm.js", IMMUTABLE),
        ("vendor/axe-core@4.10.3/axe.min.js", IMMUTABLE),
        ("vendor/index.js", REVALIDATE),
        ("js/api.js", REVALIDATE),
        ("css/app.css", REVALIDATE),
    ],
)
def test_cache_control_is_immutable_only_for_versioned_vendor_files(
    path: str, expected: str
) -> None:
    assert cache_control(path) == expected


def test_page_csp_refuses_framing_unless_told_which_sites_may() -> None:
    assert "frame-ancestors 'none'" in page_csp("n0nce")
    embed = page_csp("n0nce", frame_ancestors="*")
    assert embed.endswith("frame-ancestors *")
    assert "'none'" not in embed.split("frame-ancestors", 1)[1]
    assert "style-src 'self' 'nonce-n0nce'" in embed
