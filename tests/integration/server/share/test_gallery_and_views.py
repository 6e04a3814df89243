"""The public gallery (live public shares of succeeded renders, newest first, in pages) and
the service calls the share pages make: the page view (which counts) and the results title."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from tests.integration.server.render.helpers import new_shootout, services, submit
from tests.integration.server.share.helpers import (
    GALLERY,
    SHARED,
    SHARES,
    create_share,
    owner_with_render,
    set_share,
    share_row,
)
from tests.integration.server.shootout.helpers import register_and_login
from toneshootout.server.db.models.share import Share
from toneshootout.server.db.session import owned
from toneshootout.server.errors import NotFound, RateLimited
from toneshootout.server.http.ratelimit import RateLimiter
from toneshootout.server.share import service, tokens
from toneshootout.server.share.access import MISS_LIMIT
from toneshootout.server.share.schemas import SharedRender

PAGE = 20


async def test_gallery_lists_live_public_shares_newest_first_in_pages(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    owner, render = await owner_with_render(client, app, tmp_path)
    public = [
        await create_share(client, owner, render["id"], visibility="public")
        for _ in range(PAGE + 1)
    ]
    await create_share(client, owner, render["id"])  # unlisted: never listed
    revoked = await create_share(client, owner, render["id"], visibility="public")
    await client.delete(f"{SHARES}/{revoked['id']}", headers=owner.headers)
    expired = await create_share(client, owner, render["id"], visibility="public")
    await set_share(app, expired["id"], expires_at=datetime.now(UTC) - timedelta(seconds=1))
    # A public share of a render that has not succeeded (the API refuses to make one).
    shootout_id = await new_shootout(client, app, owner)
    queued = (await submit(client, owner, shootout_id)).json()
    token = tokens.new_token()
    async with services(app).sessionmaker() as session:
        session.add(
            Share(
                render_id=uuid.UUID(queued["id"]),
                owner_id=owner.user_id,
                token_hash=tokens.hash_token(token),
                token_hint=tokens.hint(token),
                public_token=token,
                visibility="public",
            )
        )
        await session.commit()

    client.cookies.clear()
    first = await client.get(GALLERY)
    assert first.status_code == 200, first.text
    body = first.json()
    assert (body["page"], body["page_size"], body["has_next"]) == (1, PAGE, True)
    newest_first = [f"/s/{s['token']}" for s in reversed(public)]
    assert [i["url"] for i in body["items"]] == newest_first[:PAGE]
    entry = body["items"][0]
    assert entry["title"] == render["title"]
    assert entry["chains"] == ["Crunch 4x12", "Crunch"]
    assert entry["dis"] == ["riff.wav"]
    assert datetime.fromisoformat(entry["shared"]) == datetime.fromisoformat(
        public[-1]["created_at"]
    )
    assert set(entry) == {"title", "chains", "dis", "shared", "url"}

    second = (await client.get(GALLERY, params={"page": 2})).json()
    assert [i["url"] for i in second["items"]] == newest_first[PAGE:]
    assert second["has_next"] is False
    assert (await client.get(GALLERY, params={"page": 3})).json()["items"] == []
    for bad in ("0", "-1", "x", "10001"):
        assert (await client.get(GALLERY, params={"page": bad})).status_code == 422

    # The service the gallery page calls gives the same entries.
    async with owned(services(app).sessionmaker, read_only=True) as session:
        entries, has_next = await service.gallery_page(session, limit=PAGE, offset=0)
    assert [e.url for e in entries] == newest_first[:PAGE]
    assert has_next is True
    assert entries[0].chains == ["Crunch 4x12", "Crunch"]


async def test_the_page_view_counts_once_per_call_and_only_for_live_links(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    owner, render = await owner_with_render(client, app, tmp_path)
    share = await create_share(client, owner, render["id"], visibility="public")
    maker = services(app).sessionmaker
    limiter = RateLimiter()

    async def view(token: str, ip: str = "192.0.2.1") -> SharedRender:
        # As the page runs it: in a read-only request transaction.
        async with owned(maker, read_only=True) as session:
            return await service.shared_render_for_page(
                session, services(app), token, limiter=limiter, client_ip=ip
            )

    shared = await view(share["token"])
    api = (await client.get(f"{SHARED}/{share['token']}")).json()
    assert shared.model_dump(mode="json") == api
    await view(share["token"])
    assert (await share_row(app, share["id"])).views == 2
    owner_view = await client.get(f"{SHARES}/{share['id']}", headers=owner.headers)
    assert owner_view.json()["views"] == 2  # the API read did not count

    await client.delete(f"{SHARES}/{share['id']}", headers=owner.headers)
    with pytest.raises(NotFound):
        await view(share["token"])
    assert (await share_row(app, share["id"])).views == 2

    # The page shares the token routes' miss limit.
    live = await create_share(client, owner, render["id"])
    for _ in range(MISS_LIMIT):
        with pytest.raises(NotFound):
            await view(secrets.token_urlsafe(32), ip="192.0.2.9")
    with pytest.raises(RateLimited):
        await view(live["token"], ip="192.0.2.9")
    await view(live["token"], ip="192.0.2.10")  # another address is not locked out
    assert (await share_row(app, live["id"])).views == 1


async def test_owned_share_title_is_the_owners_only(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    owner, render = await owner_with_render(client, app, tmp_path)
    share = await create_share(client, owner, render["id"])
    stranger = await register_and_login(client)
    async with owned(services(app).sessionmaker, read_only=True) as session:
        found, title = await service.owned_share_title(
            session, owner_id=owner.user_id, share_id=uuid.UUID(share["id"])
        )
        assert (str(found.id), title) == (share["id"], render["title"])
        for owner_id, share_id in (
            (stranger.user_id, uuid.UUID(share["id"])),
            (owner.user_id, uuid.uuid4()),
        ):
            with pytest.raises(NotFound):
                await service.owned_share_title(session, owner_id=owner_id, share_id=share_id)
