"""Listing, editing, deleting, ownership (REQ-09) and the odd-name corpus (REQ-17)."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from tests.integration.server.library.helpers import (
    API,
    DI,
    IR,
    KINDS,
    STORED_FILE,
    padded_wav,
    register_and_login,
    stored_files,
    upload,
    upload_fixture,
    use_in_shootout,
)
from toneshootout.settings import Settings


async def test_list_paginates_newest_first_and_filters(client: httpx.AsyncClient) -> None:
    user = await register_and_login(client)
    names = ["Mesa OS.wav", "Marshall 1960.wav", "mesa recto.wav"]
    ids = []
    for pad, name in enumerate(names, 1):
        response = await upload(client, user, "irs", padded_wav(IR, pad), name)
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    page = (await client.get(f"{API}/irs?limit=2", headers=user.headers)).json()
    assert (page["total"], page["limit"], page["offset"]) == (3, 2, 0)
    assert [i["id"] for i in page["items"]] == [ids[2], ids[1]]
    rest = (await client.get(f"{API}/irs?limit=2&offset=2", headers=user.headers)).json()
    assert [i["id"] for i in rest["items"]] == [ids[0]]
    found = (await client.get(f"{API}/irs?q=MESA", headers=user.headers)).json()
    assert {i["id"] for i in found["items"]} == {ids[0], ids[2]}
    none = (await client.get(f"{API}/irs?q=%25", headers=user.headers)).json()
    assert none["total"] == 0  # a LIKE wildcard is matched literally
    await client.patch(f"{API}/irs/{ids[1]}", json={"tags": ["British"]}, headers=user.headers)
    tagged = (await client.get(f"{API}/irs?tag=british", headers=user.headers)).json()
    assert [i["id"] for i in tagged["items"]] == [ids[1]]
    assert (await client.get(f"{API}/di-tracks", headers=user.headers)).json()["total"] == 0


@pytest.mark.parametrize("query", ["limit=101", "limit=0", "offset=-1", "q="])
async def test_list_refuses_bad_paging(client: httpx.AsyncClient, query: str) -> None:
    user = await register_and_login(client)
    response = await client.get(f"{API}/irs?{query}", headers=user.headers)
    assert response.status_code == 422


async def test_patch_renames_keeping_extension_and_sets_tags(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    user = await register_and_login(client)
    item = await upload_fixture(client, user, "captures")
    before = stored_files(settings)
    response = await client.patch(
        f"{API}/captures/{item['id']}",
        json={"name": "../My Amp\u202e.wav", "tags": ["Crunch", "crunch", " Plexi "]},
        headers=user.headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["name"] == "My Amp.nam"
    assert body["tags"] == ["crunch", "plexi"]
    assert stored_files(settings) == before  # the storage path never changes


@pytest.mark.parametrize(
    "patch",
    [{"owner_id": str(uuid.uuid4())}, {"name": ""}, {"name": "\u202e/"}, {"tags": ["x"] * 21}],
    ids=["unknown-field", "empty-name", "invisible-name", "too-many-tags"],
)
async def test_patch_refuses_bad_input(client: httpx.AsyncClient, patch: dict[str, object]) -> None:
    user = await register_and_login(client)
    item = await upload_fixture(client, user, "irs")
    response = await client.patch(f"{API}/irs/{item['id']}", json=patch, headers=user.headers)
    assert response.status_code == 422, response.text


async def test_delete_removes_row_and_file(client: httpx.AsyncClient, settings: Settings) -> None:
    user = await register_and_login(client)
    item = await upload_fixture(client, user, "irs")
    response = await client.delete(f"{API}/irs/{item['id']}", headers=user.headers)
    assert response.status_code == 204
    assert stored_files(settings) == []
    gone = await client.get(f"{API}/irs/{item['id']}", headers=user.headers)
    assert gone.status_code == 404


async def test_delete_in_use_gives_409_unless_forced(
    client: httpx.AsyncClient, app: FastAPI, settings: Settings
) -> None:
    user = await register_and_login(client)
    item = await upload_fixture(client, user, "di-tracks")
    await use_in_shootout(app, user.user_id, item["id"])
    refused = await client.delete(f"{API}/di-tracks/{item['id']}", headers=user.headers)
    assert refused.status_code == 409
    assert refused.json()["error"] == "item_in_use"
    assert refused.json()["shootout_count"] == 1
    assert len(stored_files(settings)) == 1
    forced = await client.delete(f"{API}/di-tracks/{item['id']}?force=true", headers=user.headers)
    assert forced.status_code == 204
    assert stored_files(settings) == []


async def test_other_user_gets_404_on_every_route(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    owner = await register_and_login(client)
    other = await register_and_login(client)
    item = await upload_fixture(client, owner, "irs")
    url = f"{API}/irs/{item['id']}"
    attempts = [
        client.get(url, headers=other.headers),
        client.patch(url, json={"name": "mine.wav"}, headers=other.headers),
        client.delete(url, headers=other.headers),
        client.delete(f"{url}?force=true", headers=other.headers),
        client.get(f"{url}/file", headers=other.headers),
        client.get(f"{url}/file", headers={**other.headers, "Range": "bytes=0-0"}),
        # The owner, through the wrong collection, does not find it either.
        client.get(f"{API}/captures/{item['id']}", headers=owner.headers),
    ]
    for attempt in attempts:
        response = await attempt
        assert response.status_code == 404, response.text
        assert response.json()["error"] == "item_not_found"
    listed = (await client.get(f"{API}/irs", headers=other.headers)).json()
    assert listed["total"] == 0
    assert (await client.get(url, headers=owner.headers)).json()["name"] == item["name"]
    assert len(stored_files(settings)) == 1


@pytest.mark.parametrize("collection", list(KINDS))
async def test_anonymous_gets_401(client: httpx.AsyncClient, collection: str) -> None:
    some_id = uuid.uuid4()
    for response in [
        await client.get(f"{API}/{collection}"),
        await client.get(f"{API}/{collection}/{some_id}"),
        await client.get(f"{API}/{collection}/{some_id}/file"),
        await client.delete(f"{API}/{collection}/{some_id}"),
    ]:
        assert response.status_code == 401


TRAVERSAL_NAMES = [
    "../../../../etc/passwd",
    "..\\..\\..\\windows\\win.ini",
    "/tmp/absolute.wav",
    "nul\x00byte.wav",
    "evil\u202ewav.exe",
    "....//....//x.wav",
    "%2e%2e%2f%2e%2e%2fescape.wav",
    ".hidden",
    "con.wav",
    "a" * 300 + ".wav",
    "ü" * 200 + ".wav",
]


async def test_upload_odd_names_keep_storage_paths_and_root(
    client: httpx.AsyncClient, settings: Settings, tmp_path: Path
) -> None:
    user = await register_and_login(client)
    outside_before = {p for p in tmp_path.rglob("*") if settings.storage_dir not in p.parents}
    for n, name in enumerate(TRAVERSAL_NAMES, 1):
        response = await upload(client, user, "di-tracks", padded_wav(DI, n), name)
        assert response.status_code == 201, (name, response.text)
        shown = response.json()["name"]
        assert shown.endswith(".wav")
        assert not {"/", "\\", "\x00", "\u202e"} & set(shown)
        assert ".." not in shown
        assert len(shown.encode()) <= 255
    outside_after = {p for p in tmp_path.rglob("*") if settings.storage_dir not in p.parents}
    # Only the database's own files may appear outside the storage root.
    assert {p.name for p in outside_after - outside_before} <= {"test.db-wal", "test.db-shm"}
    files = stored_files(settings)
    assert len(files) == len(TRAVERSAL_NAMES)
    assert all(STORED_FILE.fullmatch(f) for f in files)
