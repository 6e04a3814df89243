"""The share pages without a browser: what a dead link, a locked-out client and a pasted link
get, and which page may be framed (the browser tests click through the same pages)."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import httpx
from fastapi import FastAPI

from tests.integration.server.share.helpers import create_share, owner_with_render, set_share
from toneshootout.server.db.base import utcnow
from toneshootout.server.http.ratelimit import RateLimiter
from toneshootout.server.share.access import MISS_LIMIT

TOKEN_PAGES = ("/s/{}", "/s/{}/blind", "/s/{}/abx", "/embed/{}")


async def _anonymous_get(client: httpx.AsyncClient, url: str) -> httpx.Response:
    client.cookies.clear()
    return await client.get(url)


def _without_nonce(page: httpx.Response) -> str:
    """The page's text without its per-response CSP nonce (the only part meant to differ)."""
    found = re.search(r"'nonce-([^']+)'", page.headers["content-security-policy"])
    return page.text.replace(found.group(1), "") if found else page.text


def _reset_limits(app: FastAPI) -> None:
    limiter = getattr(app.state, "rate_limiter", None)
    if isinstance(limiter, RateLimiter):
        limiter.reset()


async def test_dead_links_get_the_page_a_never_made_link_gets(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    owner, render = await owner_with_render(client, app, tmp_path)
    revoked = await create_share(client, owner, render["id"])
    expired = await create_share(client, owner, render["id"])
    deleted = await client.delete(f"/api/v1/shares/{revoked['id']}", headers=owner.headers)
    assert deleted.status_code == 204
    await set_share(app, expired["id"], expires_at=utcnow().replace(year=utcnow().year - 1))
    _reset_limits(app)
    for template in TOKEN_PAGES:
        bodies = set()
        for token in (revoked["token"], expired["token"], secrets.token_urlsafe(32)):
            page = await _anonymous_get(client, template.format(token))
            assert page.status_code == 404, template
            assert page.headers["content-type"].startswith("text/html")
            bodies.add(_without_nonce(page))
        assert len(bodies) == 1, template
        _reset_limits(app)


async def test_a_locked_out_client_gets_429_pages_with_retry_after(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    owner, render = await owner_with_render(client, app, tmp_path)
    share = await create_share(client, owner, render["id"])
    _reset_limits(app)
    statuses = [
        (await _anonymous_get(client, f"/s/{secrets.token_urlsafe(32)}")).status_code
        for _ in range(MISS_LIMIT + 5)
    ]
    assert statuses == [404] * MISS_LIMIT + [429] * 5
    for template in TOKEN_PAGES:  # the live link too, during the lock-out
        page = await _anonymous_get(client, template.format(share["token"]))
        assert page.status_code == 429, template
        assert int(page.headers["retry-after"]) >= 1
        assert "Too many tries" in page.text


async def test_a_pasted_link_has_a_card_and_only_the_embed_may_be_framed(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    owner, render = await owner_with_render(client, app, tmp_path)
    share = await create_share(client, owner, render["id"], visibility="public")
    _reset_limits(app)
    page = await _anonymous_get(client, f"/s/{share['token']}")
    assert page.status_code == 200
    meta = dict(re.findall(r'<meta (?:property|name)="([^"]+)" content="([^"]*)"', page.text))
    assert meta["og:title"] == meta["twitter:title"] == render["title"]
    assert meta["og:url"].endswith(f"/s/{share['token']}")
    image = meta["og:image"]
    assert re.search(rf"/api/v1/shared/{share['token']}/files/plots/.*ltas.*\.png$", image), image
    assert (await _anonymous_get(client, image)).headers["content-type"] == "image/png"
    assert "robots" not in meta  # public: the gallery lists it, so search engines may too
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"

    embed = await _anonymous_get(client, f"/embed/{share['token']}")
    assert embed.status_code == 200
    assert "frame-ancestors *" in embed.headers["content-security-policy"]
    assert "x-frame-options" not in embed.headers
    for path in (f"/s/{share['token']}/blind", f"/s/{share['token']}/abx", "/gallery"):
        other = await _anonymous_get(client, path)
        assert other.status_code == 200, path
        assert "frame-ancestors 'none'" in other.headers["content-security-policy"], path
