"""The picker API against the fake TONE3000: the user's lists, a tone's every variant, and
each way TONE3000 can say no, in the service's words."""

from __future__ import annotations

import json

import httpx
import pytest
from fastapi import FastAPI

from tests.integration.server.shootout.helpers import Account, register_and_login
from tests.integration.server.tone3000_link import fake_transport, link_user
from toneshootout.server.app import create_app
from toneshootout.settings import Settings
from toneshootout.tone3000.oauth import TokenSet
from toneshootout.tone3000_fake import fake_state

TONES = "/api/v1/tone3000/tones"
PLEXI, LANTERN, PRIVATE, DELETED = 4201, 4203, 4290, 4299


def _no_secrets(response: httpx.Response, tokens: TokenSet) -> None:
    seen = response.text + json.dumps(dict(response.headers))
    assert tokens.access_token not in seen
    assert tokens.refresh_token not in seen
    assert "model_url" not in seen  # files are fetched by the worker, never by the browser


async def test_favourites_list_the_fields_a_tone_list_shows(
    client: httpx.AsyncClient, player: Account, linked: TokenSet
) -> None:
    response = await client.get(TONES, params={"list": "favorited"}, headers=player.headers)
    assert response.status_code == 200, response.text
    _no_secrets(response, linked)
    page = response.json()
    assert page["page"] == 1
    assert page["total"] == len(page["items"]) > 0
    first = page["items"][0]
    assert {"id", "title", "image", "gear_label", "format", "creator", "licence_name", "url"} <= (
        first.keys()
    )
    assert first["creator"]["username"]


@pytest.mark.parametrize("which", ["downloaded", "created"])
async def test_other_lists(
    client: httpx.AsyncClient, player: Account, linked: TokenSet, which: str
) -> None:
    response = await client.get(TONES, params={"list": which}, headers=player.headers)
    assert response.status_code == 200, response.text
    assert isinstance(response.json()["items"], list)


async def test_created_lists_the_users_own_private_tones(
    client: httpx.AsyncClient, player: Account, linked: TokenSet
) -> None:
    response = await client.get(TONES, params={"list": "created"}, headers=player.headers)
    titles = {t["title"] for t in response.json()["items"]}
    assert "My Private Amp" in titles  # the fake's tester owns it


@pytest.mark.parametrize(
    "params",
    [{"list": "everything"}, {"page_size": "26"}, {"page": "0"}, {"gear": "ir-ish"}],
)
async def test_bad_list_parameters_are_422(
    client: httpx.AsyncClient, player: Account, linked: TokenSet, params: dict[str, str]
) -> None:
    response = await client.get(TONES, params=params, headers=player.headers)
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "invalid"


async def test_a_tone_shows_every_variant_a1_and_a2(
    client: httpx.AsyncClient, player: Account, linked: TokenSet
) -> None:
    response = await client.get(f"{TONES}/{PLEXI}", headers=player.headers)
    assert response.status_code == 200, response.text
    _no_secrets(response, linked)
    tone = response.json()
    assert tone["kind"] == "capture"
    labels = [v["architecture_label"] for v in tone["variants"]]
    assert labels.count("A1") == 3
    assert labels.count("A2") == 2
    assert tone["models_count"] == 5  # every architecture, not detail's A1-only count
    assert all(v["name"] and v["size"] for v in tone["variants"])


async def test_an_ir_tone_lists_its_irs(
    client: httpx.AsyncClient, player: Account, linked: TokenSet
) -> None:
    tone = (await client.get(f"{TONES}/{LANTERN}", headers=player.headers)).json()
    assert tone["kind"] == "ir"
    assert len(tone["variants"]) == 3
    assert {v["architecture_label"] for v in tone["variants"]} == {"IR"}


async def test_a_private_tone_is_403_in_words(
    client: httpx.AsyncClient, player: Account, linked: TokenSet
) -> None:
    response = await client.get(f"{TONES}/{PRIVATE}", headers=player.headers)
    assert response.status_code == 403
    body = response.json()
    assert body["error"] == "tone3000_private"
    assert "private" in body["detail"]


async def test_a_deleted_tone_is_404_in_words(
    client: httpx.AsyncClient, player: Account, linked: TokenSet
) -> None:
    response = await client.get(f"{TONES}/{DELETED}", headers=player.headers)
    assert response.status_code == 404
    body = response.json()
    assert body["error"] == "tone3000_deleted"
    assert "deleted" in body["detail"]


async def test_an_unlinked_user_is_asked_to_sign_in_with_tone3000(
    client: httpx.AsyncClient, player: Account
) -> None:
    response = await client.get(TONES, headers=player.headers)
    assert response.status_code == 409
    assert response.json()["error"] == "tone3000_sign_in_required"


async def test_anonymous_callers_are_401(client: httpx.AsyncClient) -> None:
    assert (await client.get(TONES)).status_code == 401


async def test_search_is_refused_on_a_tier_without_it(
    client: httpx.AsyncClient, player: Account, linked: TokenSet
) -> None:
    response = await client.get(
        f"{TONES}/search", params={"query": "plexi"}, headers=player.headers
    )
    assert response.status_code == 404
    assert response.json()["error"] == "tone3000_search_unavailable"


async def test_tone_details_are_remembered_per_user_for_a_while(
    client: httpx.AsyncClient, player: Account, linked: TokenSet, fake: FastAPI
) -> None:
    calls = fake_state(fake).requests
    for _ in range(3):
        assert (await client.get(f"{TONES}/{PLEXI}", headers=player.headers)).status_code == 200
    assert calls["GET /api/v1/tones/{tone_id}"] == 1
    assert calls["GET /api/v1/models"] == 2  # one per architecture, once


async def test_an_expired_token_is_refreshed_once_and_the_call_goes_through(
    client: httpx.AsyncClient, player: Account, linked: TokenSet, fake: FastAPI
) -> None:
    state = fake_state(fake)
    state.clock.advance(4000)  # past the fake's 3600 s access lifetime; our clock disagrees
    response = await client.get(TONES, headers=player.headers)
    assert response.status_code == 200, response.text
    assert state.oauth.counters.token_requests["refresh_token"] == 1


async def test_a_revoked_session_asks_to_sign_in_again(
    client: httpx.AsyncClient, player: Account, linked: TokenSet, fake: FastAPI
) -> None:
    state = fake_state(fake)
    state.oauth.revoke()  # the user revoked our access on TONE3000: every token is dead
    response = await client.get(TONES, headers=player.headers)
    assert response.status_code == 409
    assert response.json()["error"] == "tone3000_sign_in_required"


@pytest.fixture
def search_settings(settings: Settings) -> Settings:
    tone3000 = settings.tone3000.model_copy(update={"search_enabled": True})
    return settings.model_copy(update={"tone3000": tone3000})


async def test_search_on_a_tier_with_it_finds_a2_tones_of_the_format(
    search_settings: Settings, fake: FastAPI
) -> None:
    application = create_app(search_settings, tone3000_transport=fake_transport(fake))
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            player = await register_and_login(http)
            await link_user(application, fake, player.user_id)
            status = await http.get("/api/v1/auth/tone3000", headers=player.headers)
            assert status.json()["search"] is True
            found = await http.get(
                f"{TONES}/search",
                params={"query": "crater", "format": "nam"},
                headers=player.headers,
            )
            assert found.status_code == 200, found.text
            titles = {t["title"] for t in found.json()["items"]}
            # A2-only tones are found: without `architecture` TONE3000 would hide them.
            assert "Crater Modern A2 Only" in titles
            assert all(t["format"] == "nam" for t in found.json()["items"])
            empty = await http.get(f"{TONES}/search", params={"query": ""}, headers=player.headers)
            assert empty.status_code == 422


async def test_the_status_says_search_is_off_by_default(
    client: httpx.AsyncClient, player: Account
) -> None:
    status = await client.get("/api/v1/auth/tone3000", headers=player.headers)
    assert status.json()["search"] is False
