"""`/renders/{id}` over HTTP: the owner's first paint from the database, everyone else's 404."""

from __future__ import annotations

import uuid

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update

from tests.integration.server.render.helpers import (
    RecordingQueue,
    install,
    new_shootout,
    services,
    submit,
)
from tests.integration.server.shootout.helpers import Account, register_and_login
from tests.integration.server.web.helpers import PAGE_CSP_PREFIX, page_facts
from toneshootout.server.auth.cookies import ACCESS_COOKIE
from toneshootout.server.db.base import utcnow
from toneshootout.server.db.models.render import Render
from toneshootout.server.web.render_pages import REASON_WORDS
from toneshootout.settings import Settings


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # The sweeper leaves queued rows alone: the test decides every state.
    render = settings.render.model_copy(update={"requeue_after_seconds": 3600.0})
    return settings.model_copy(update={"render": render})


@pytest.fixture(autouse=True)
def queue(app: FastAPI) -> RecordingQueue:
    recording = RecordingQueue()
    install(app, queue=recording)
    return recording


def as_browser(client: httpx.AsyncClient, account: Account) -> None:
    """Carry the account's access token as the session cookie, as a browser would."""
    client.cookies.set(ACCESS_COOKIE, account.headers["Authorization"].removeprefix("Bearer "))


async def queued_render(client: httpx.AsyncClient, app: FastAPI, owner: Account) -> str:
    response = await submit(client, owner, await new_shootout(client, app, owner))
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


async def test_render_page_paints_a_queued_render_from_the_database(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    owner = await register_and_login(client)
    render_id = await queued_render(client, app, owner)
    as_browser(client, owner)
    response = await client.get(f"/renders/{render_id}")
    assert response.status_code == 200
    assert response.headers["content-security-policy"].startswith(PAGE_CSP_PREFIX)
    html = response.text
    assert "Waiting for a free worker." in html
    assert 'data-state="queued"' in html
    assert "Head + 4x12" in html  # the chains of the DI × chain grid, from the snapshot
    facts = page_facts(html)
    assert "Cancel" in facts.buttons
    assert [s.get("src") for s in facts.scripts] == ["/static/js/render-page.js"]
    assert facts.inline_styles == 0


async def test_render_page_says_why_a_render_failed_and_offers_no_cancel(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    owner = await register_and_login(client)
    render_id = await queued_render(client, app, owner)
    async with services(app).sessionmaker() as session:
        await session.execute(
            update(Render)
            .where(Render.id == uuid.UUID(render_id))
            .values(state="failed", reason="resource_limit", detail="42 MB", finished_at=utcnow())
        )
        await session.commit()
    as_browser(client, owner)
    html = (await client.get(f"/renders/{render_id}")).text
    assert f"{REASON_WORDS['resource_limit']} (42 MB)" in html
    assert 'id="render-cancel" class="danger" hidden' in html


async def test_render_page_of_another_user_is_not_found(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    owner = await register_and_login(client)
    render_id = await queued_render(client, app, owner)
    as_browser(client, await register_and_login(client))
    response = await client.get(f"/renders/{render_id}")
    assert response.status_code == 404
    assert "Not found" in response.text
    unknown = await client.get(f"/renders/{uuid.uuid4()}")
    assert unknown.status_code == 404


async def test_render_page_signed_out_goes_to_sign_in(client: httpx.AsyncClient) -> None:
    render_id = uuid.uuid4()
    response = await client.get(f"/renders/{render_id}")
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next=/renders/{render_id}"
