"""The signed-in user, the user directory, tags and makes."""

from __future__ import annotations

import httpx
import pytest

from tests.unit.tone3000_fake.helpers import API
from toneshootout.tone3000_fake import FakeState


async def test_user_shape(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    user = (await client.get(f"{API}/user", headers=headers)).json()
    assert set(user) == {
        "id",
        "username",
        "display_name",
        "avatar_url",
        "is_verified",
        "url",
        "bio",
        "links",
        "created_at",
        "updated_at",
    }
    assert user["username"] == "shootout-tester"
    assert user["url"].endswith("//shootout-tester")


async def test_user_email_appears_only_when_the_switch_sets_one(
    client: httpx.AsyncClient, headers: dict[str, str], state: FakeState
) -> None:
    assert "email" not in (await client.get(f"{API}/user", headers=headers)).json()
    refused = await client.put("/_fake/switches", json={"user_email": 42})
    assert refused.status_code == 400
    state.switches.update({"user_email": "player@example.com"})
    user = (await client.get(f"{API}/user", headers=headers)).json()
    assert user["email"] == "player@example.com"


async def test_users_directory_sorts_and_caps_at_10(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    body = (await client.get(f"{API}/users?page_size=50", headers=headers)).json()
    assert body["page_size"] == 10
    assert set(body["data"][0]) == {
        "id",
        "username",
        "bio",
        "links",
        "avatar_url",
        "downloads_count",
        "favorites_count",
        "models_count",
        "tones_count",
        "url",
    }
    by_downloads = (await client.get(f"{API}/users?sort=downloads", headers=headers)).json()
    counts = [u["downloads_count"] for u in by_downloads["data"]]
    assert counts == sorted(counts, reverse=True)
    found = (await client.get(f"{API}/users?query=lab", headers=headers)).json()
    assert [u["username"] for u in found["data"]] == ["cab_lab"]
    bad = await client.get(f"{API}/users?sort=name", headers=headers)
    assert bad.status_code == 400


@pytest.mark.parametrize("kind", ["tags", "makes"])
async def test_labels_are_paged_with_counts(
    client: httpx.AsyncClient, headers: dict[str, str], kind: str
) -> None:
    body = (await client.get(f"{API}/{kind}?page_size=100", headers=headers)).json()
    assert body["page_size"] == 25
    assert body["total"] == len(body["data"]) > 0
    first = body["data"][0]
    assert set(first) == {"id", "name", "tones_count", "url"}
    assert all(isinstance(x["id"], int) and x["tones_count"] >= 0 for x in body["data"])


async def test_tag_counts_skip_private_tones(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    fuzz = (await client.get(f"{API}/tags?query=fuzz", headers=headers)).json()["data"]
    assert fuzz == [
        {"id": 4, "name": "fuzz", "tones_count": 2, "url": "http://127.0.0.1:8030/search?tags=fuzz"}
    ]
