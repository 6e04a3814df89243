"""Models: one architecture at a time, the hidden A2 default, downloads and the storage host."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import httpx
import pytest

from tests.unit.tone3000_fake.helpers import API, BASE
from toneshootout.tone3000_fake import FakeConfig, FakeState

STORAGE = "http://localhost:8030"


async def _models(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> Any:
    response = await client.get(f"{API}/models", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_models_without_architecture_hide_a2(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    default = await _models(client, headers, tone_id=4201)
    a2 = await _models(client, headers, tone_id=4201, architecture="2")
    assert [m["architecture_version"] for m in default["data"]] == ["1", "1", "1"]
    assert [m["architecture_version"] for m in a2["data"]] == ["2", "2"]
    only_a2 = await _models(client, headers, tone_id=4210)
    assert only_a2["total"] == 0
    custom = await _models(client, headers, tone_id=4208, architecture="custom")
    assert [m["name"] for m in custom["data"]] == ["Tone Stack"]


async def test_model_shape(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    body = await _models(client, headers, tone_id=4201)
    model = body["data"][1]
    assert set(model) == {
        "id",
        "tone_id",
        "user_id",
        "created_at",
        "updated_at",
        "name",
        "model_url",
        "size",
        "architecture_version",
    }
    assert model["name"] == "Gain 7 - SM57"
    assert isinstance(model["architecture_version"], str)
    assert model["model_url"].startswith(f"{BASE}{API}/models/{model['id']}/download/")
    assert model["model_url"].endswith(".nam")
    assert set(body) == {"data", "page", "page_size", "total", "total_pages"}
    single = await client.get(f"{API}/models/{model['id']}", headers=headers)
    assert single.json() == model


async def test_ir_models_have_no_architecture_or_size(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    irs = await _models(client, headers, tone_id=4203)
    assert irs["total"] == 3
    assert all(m["architecture_version"] is None and m["size"] is None for m in irs["data"])
    assert all(m["model_url"].endswith(".wav") for m in irs["data"])
    assert (await _models(client, headers, tone_id=4203, architecture="1"))["total"] == 0


@pytest.mark.parametrize(
    ("query", "status"),
    [("", 400), ("?tone_id=abc", 400), ("?tone_id=4290", 403), ("?tone_id=4299", 404)],
)
async def test_models_refusals(
    client: httpx.AsyncClient, headers: dict[str, str], query: str, status: int
) -> None:
    assert (await client.get(f"{API}/models{query}", headers=headers)).status_code == status


async def test_single_model_refusals(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    assert (await client.get(f"{API}/models/90028", headers=headers)).status_code == 403
    assert (await client.get(f"{API}/models/1", headers=headers)).status_code == 404


async def test_models_page_size_defaults_to_10(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    body = await _models(client, headers, tone_id=4201, page_size=2, page=2)
    assert body["page"] == 2
    assert body["total_pages"] == 2
    assert len(body["data"]) == 1
    assert (await _models(client, headers, tone_id=4201))["page_size"] == 10


async def test_direct_download_serves_the_file(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    model = (await client.get(f"{API}/models/90001", headers=headers)).json()
    response = await client.get(model["model_url"], headers=headers)
    assert response.status_code == 200
    assert response.content.startswith(b'{"version":"0.5.4"')
    bare = await client.get(f"{API}/models/90001/download", headers=headers)
    assert bare.content == response.content


async def test_redirected_download_reaches_storage_without_the_bearer(
    client: httpx.AsyncClient, headers: dict[str, str], state: FakeState
) -> None:
    model = (await client.get(f"{API}/models/90002", headers=headers)).json()
    first = await client.get(model["model_url"], headers=headers)
    assert first.status_code == 302
    assert first.headers["location"].startswith(f"{STORAGE}/storage/v1/object/sign/models/90002/")
    # httpx drops Authorization on a redirect to another origin, as every client must.
    followed = await client.get(model["model_url"], headers=headers, follow_redirects=True)
    assert followed.status_code == 200
    assert followed.content.startswith(b'{"version":"0.5.4"')
    assert [(h.host, h.had_authorization, h.status) for h in state.storage_hits] == [
        ("localhost:8030", False, 200)
    ]


async def test_storage_records_a_forwarded_bearer(
    client: httpx.AsyncClient, headers: dict[str, str], state: FakeState
) -> None:
    location = (await client.get(f"{API}/models/90002/download/x.nam", headers=headers)).headers[
        "location"
    ]
    naive = await client.get(location, headers=headers)  # a client that forwards the token
    assert naive.status_code == 200
    assert state.storage_hits[-1].had_authorization is True


@pytest.mark.parametrize("config", [FakeConfig(storage_rejects_authorization=True)])
async def test_storage_can_refuse_a_forwarded_bearer(
    client: httpx.AsyncClient, headers: dict[str, str], state: FakeState
) -> None:
    location = (await client.get(f"{API}/models/90002/download/x.nam", headers=headers)).headers[
        "location"
    ]
    assert (await client.get(location, headers=headers)).status_code == 400
    assert (await client.get(location)).status_code == 200
    assert [h.had_authorization for h in state.storage_hits] == [True, False]


async def test_signed_urls_expire_and_cannot_be_forged(
    client: httpx.AsyncClient, headers: dict[str, str], state: FakeState
) -> None:
    location = (await client.get(f"{API}/models/90002/download/x.nam", headers=headers)).headers[
        "location"
    ]
    forged = location.replace("models/90002/", "models/90001/")
    assert (await client.get(forged)).status_code == 400
    state.clock.advance(3600)
    assert (await client.get(location)).status_code == 400


async def test_download_route_switch(
    client: httpx.AsyncClient, headers: dict[str, str], state: FakeState
) -> None:
    state.switches.download_route = "storage"
    assert (await client.get(f"{API}/models/90001/download", headers=headers)).status_code == 302
    state.switches.download_route = "direct"
    assert (await client.get(f"{API}/models/90002/download", headers=headers)).status_code == 200


async def test_download_of_a_private_model_is_403(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await client.get(f"{API}/models/90028/download/x.nam", headers=headers)
    assert response.status_code == 403


async def test_images_are_public_pngs_on_the_storage_host(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    tone = (await client.get(f"{API}/tones/4201", headers=headers)).json()
    image = await client.get(tone["images"][0])
    assert image.status_code == 200
    assert image.content.startswith(b"\x89PNG")
    assert (await client.get(f"{STORAGE}/storage/v1/object/public/secrets.txt")).status_code == 404


@pytest.mark.parametrize("config", [FakeConfig(partner=True)])
async def test_partner_zip_holds_a2_files_only(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    answer = await client.get(f"{API}/tones/4201/download", headers=headers)
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"url", "expires_at", "filename"}
    archive = await client.get(body["url"])
    names = zipfile.ZipFile(io.BytesIO(archive.content)).namelist()
    assert sorted(names) == ["Gain 3 - SM57 [90004].nam", "Gain 7 - SM57 [90005].nam"]
    empty = await client.get(f"{API}/tones/4212/download", headers=headers)
    assert empty.status_code == 400


@pytest.mark.parametrize(
    "config",
    [FakeConfig(public_base="https://www.t3k.test", storage_base="https://api.t3k.test")],
)
async def test_origins_are_configurable(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    tone = (await client.get(f"{API}/tones/4201", headers=headers)).json()
    model = (await client.get(f"{API}/models/90002", headers=headers)).json()
    assert tone["url"] == "https://www.t3k.test//plexi-lead-100w-4201"
    assert tone["images"][0].startswith("https://api.t3k.test/storage/")
    assert model["model_url"].startswith("https://www.t3k.test/api/v1/models/90002/download/")
    redirect = await client.get(model["model_url"], headers=headers)
    assert redirect.headers["location"].startswith("https://api.t3k.test/storage/v1/object/sign/")


async def test_a_tone_deleted_or_hidden_meanwhile_refuses_itself_and_its_models(
    client: httpx.AsyncClient, headers: dict[str, str], state: FakeState
) -> None:
    for path in ("/tones/4201", "/models/90001", "/models/90001/download", "/tones/4203"):
        assert (await client.get(f"{API}{path}", headers=headers)).status_code == 200, path

    state.delete_tone(4201)
    state.make_private(4203)

    for path in ("/tones/4201", "/models/90001", "/models/90002/download"):
        response = await client.get(f"{API}{path}", headers=headers)
        assert response.status_code == 404, path
    for path in ("/tones/4203", "/models/90010", "/models/90010/download"):
        response = await client.get(f"{API}{path}", headers=headers)
        assert response.status_code == 403, path
    assert (await client.get(f"{API}/tones/4202", headers=headers)).status_code == 200
    assert 4201 in state.catalogue.deleted_tone_ids
