"""Tone endpoints: the 401 body, 403/404, search and detail shapes, filters and aliases."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest

from tests.unit.tone3000_fake.helpers import API, bearer
from toneshootout.tone3000_fake import DEFAULT_CLIENT_ID
from toneshootout.tone3000_fake.catalogue import DELETED_TONE_ID

UNAUTHORIZED = {"error": "Missing or invalid Authorization header"}
SEARCH_ONLY_ABSENT = {"sizes", "links", "is_public"}


async def _search(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> Any:
    response = await client.get(f"{API}/tones/search", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def _ids(body: dict[str, Any]) -> list[int]:
    return [tone["id"] for tone in body["data"]]


@pytest.mark.parametrize(
    "path",
    [
        "/user",
        "/users",
        "/tones/search",
        "/tones/4201",
        "/tones/created",
        "/tones/favorited",
        "/tones/downloaded",
        "/tones/latest",
        "/models?tone_id=4201",
        "/models/90001",
        "/models/90001/download/x.nam",
        "/tags",
        "/makes",
    ],
)
@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer nonsense",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        f"Bearer {DEFAULT_CLIENT_ID}",  # a publishable key is not a credential
    ],
)
async def test_resources_answer_the_exact_401(
    client: httpx.AsyncClient, path: str, header: str | None
) -> None:
    headers = {} if header is None else {"Authorization": header}
    response = await client.get(API + path, headers=headers)
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED


async def test_trending_answers_anonymously_without_favourite_state(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    anonymous = await client.get(f"{API}/tones/trending")
    signed = await client.get(f"{API}/tones/trending", headers=headers)
    bad_token = await client.get(f"{API}/tones/trending", headers=bearer("nope"))
    assert anonymous.status_code == signed.status_code == 200
    assert set(anonymous.json()) == {"data"}  # a feed: no paging fields
    assert all("is_favorite" not in tone for tone in anonymous.json()["data"])
    assert all(isinstance(tone["is_favorite"], bool) for tone in signed.json()["data"])
    assert bad_token.status_code == 401


async def test_trending_holds_only_public_tones_with_models_images_and_descriptions(
    client: httpx.AsyncClient,
) -> None:
    tones = (await client.get(f"{API}/tones/trending")).json()["data"]
    assert 0 < len(tones) <= 10
    assert all(t["images"] and t["description"] and t["models_count"] for t in tones)
    assert {4205, 4207, 4212, 4290}.isdisjoint(t["id"] for t in tones)


async def test_latest_is_a_feed_of_the_ten_newest(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    body = (await client.get(f"{API}/tones/latest", headers=headers)).json()
    assert set(body) == {"data"}
    assert len(body["data"]) == 10
    stamps = [t["published_at"] for t in body["data"]]
    assert _ids(body)[0] == 4210
    assert len(stamps) == len(set(stamps))


async def test_detail_shape(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    tone = (await client.get(f"{API}/tones/4201", headers=headers)).json()
    assert str(uuid.UUID(tone["user_id"])) == tone["user_id"] == tone["user"]["id"]
    assert set(tone["user"]) == {
        "id",
        "username",
        "display_name",
        "avatar_url",
        "is_verified",
        "url",
    }
    assert tone["makes"] == [{"id": 1, "name": "Northfield Amplification"}]
    assert all("id" in tag for tag in tone["tags"])
    assert tone["sizes"] == ["standard", "lite"]
    assert tone["is_public"] is True
    assert tone["models_count"] == 3  # A1 only in detail
    counts = ("a1_models_count", "a2_models_count", "custom_models_count", "irs_count")
    assert [tone[c] for c in counts] == [3, 2, 0, 0]
    assert tone["url"] == "http://127.0.0.1:8030//plexi-lead-100w-4201"
    assert tone["is_favorite"] is True
    assert tone["license"] == "cc-by"
    a2 = (await client.get(f"{API}/tones/4201?architecture=2", headers=headers)).json()
    assert a2["models_count"] == 2
    assert {k: v for k, v in a2.items() if k != "models_count"} == {
        k: v for k, v in tone.items() if k != "models_count"
    }


async def test_search_shape_differs_from_detail(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    found = await _search(client, headers, query="Plexi")
    tone = found["data"][0]
    assert tone["id"] == 4201
    assert SEARCH_ONLY_ABSENT.isdisjoint(tone)
    assert tone["makes"] == [{"name": "Northfield Amplification"}]
    assert all(set(tag) == {"name"} for tag in tone["tags"])
    assert tone["models_count"] == 5  # every architecture in search
    assert set(found) == {"data", "page", "page_size", "total", "total_pages"}


async def test_ir_tones_have_null_sizes_and_some_null_images(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    cab = (await client.get(f"{API}/tones/4207", headers=headers)).json()
    assert cab["sizes"] is None
    assert cab["images"] is None
    assert cab["links"] is None
    assert cab["models_count"] == cab["irs_count"] == 2


async def test_timestamps_come_in_both_formats(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    found = await _search(client, headers, page_size=25)
    stamps = {t["created_at"][-6:] == "+00:00" for t in found["data"]}
    assert stamps == {True, False}
    for tone in found["data"]:
        assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+(Z|\+00:00)$", tone["published_at"])


async def test_private_tone_is_403_deleted_is_404_own_private_is_visible(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    private = await client.get(f"{API}/tones/4290", headers=headers)
    deleted = await client.get(f"{API}/tones/{DELETED_TONE_ID}", headers=headers)
    junk = await client.get(f"{API}/tones/abc", headers=headers)
    own = await client.get(f"{API}/tones/4291", headers=headers)
    assert private.status_code == 403
    assert deleted.status_code == junk.status_code == 404
    assert own.status_code == 200
    assert own.json()["is_public"] is False
    assert "error" in private.json()


async def test_search_page_size_is_capped_at_25_silently(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    body = await _search(client, headers, page_size=100)
    assert body["page_size"] == 25
    default = await _search(client, headers)
    assert default["page_size"] == 10
    assert default["total_pages"] == -(-default["total"] // 10)
    second = await _search(client, headers, page=2)
    assert set(_ids(default)).isdisjoint(_ids(second))


@pytest.mark.parametrize("params", [{"page": "0"}, {"page_size": "x"}, {"sort": "random"}])
async def test_search_bad_values_are_400(
    client: httpx.AsyncClient, headers: dict[str, str], params: dict[str, str]
) -> None:
    response = await client.get(f"{API}/tones/search", params=params, headers=headers)
    assert response.status_code == 400
    assert isinstance(response.json()["error"], str)


async def test_search_hides_a2_only_tones_unless_asked(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    default = _ids(await _search(client, headers, page_size=25))
    a2 = _ids(await _search(client, headers, architecture="2", page_size=25))
    custom = _ids(await _search(client, headers, architecture="custom", page_size=25))
    assert 4210 not in default
    assert {4201, 4202, 4206, 4210} == set(a2)
    assert {4208, 4211} == set(custom)
    assert 4290 not in default  # private tones never show in search


async def test_search_default_sort_is_best_match_with_a_query_else_trending(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    browse = _ids(await _search(client, headers, page_size=25))
    trending = _ids(await _search(client, headers, page_size=25, sort="trending"))
    assert browse == trending
    query = _ids(await _search(client, headers, query="crater"))
    assert query == [4202]  # title matches first; the A2-only tone is hidden by default
    newest = _ids(await _search(client, headers, sort="newest", page_size=25))
    oldest = _ids(await _search(client, headers, sort="oldest", page_size=25))
    assert newest == list(reversed(oldest))
    downloads = await _search(client, headers, sort="downloads-all-time")
    counts = [t["downloads_count"] for t in downloads["data"]]
    assert counts == sorted(counts, reverse=True)


async def test_search_filters_and_their_separators(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    def ids(**params: Any) -> Any:
        return _search(client, headers, page_size=25, **params)

    assert set(_ids(await ids(gears="amp_pedal"))) == {4201, 4202, 4205, 4208, 4212, 4213}
    assert set(_ids(await ids(format="ir"))) == {4203, 4204, 4207, 4209}
    assert set(_ids(await ids(format="ir", gears="cab"))) == {4203, 4207}
    assert set(_ids(await ids(sizes="nano_feather"))) == {4202, 4205}
    assert set(_ids(await ids(tags="fuzz_room"))) == {4204, 4205, 4209, 4211}
    assert set(_ids(await ids(makes="Lantern Cabs_Crater Audio"))) == {4202, 4203, 4207}
    assert set(_ids(await ids(creators="cab_lab,roomtone"))) == {4203, 4204, 4207, 4209, 4212}
    assert set(_ids(await ids(creators="cab"))) == set()  # exact usernames only
    assert set(_ids(await ids(calibrated="true"))) == {4201, 4206}
    assert set(_ids(await ids(verified="true", format="ir"))) == {4204, 4209}


async def test_unknown_gear_is_400_listing_valid_gears_after_a_colon(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await client.get(f"{API}/tones/search?gears=amp_banjo", headers=headers)
    assert response.status_code == 400
    listed = response.json()["error"].rsplit(":", 1)[1].strip()
    assert listed == "amp, amp-cab, pedal, outboard, cab, space, experimental"


@pytest.mark.parametrize(
    ("params", "expected", "reason"),
    [
        ({"platform": "ir"}, {4203, 4204, 4207, 4209}, "platform"),
        ({"gear": "space"}, {4204}, "gear: use gears"),
        ({"gears": "full-rig"}, {4206}, "full-rig"),
        ({"gears": "ir"}, {4203, 4204, 4207, 4209}, "gear ir"),
        ({"gears": "ir_cab", "format": "nam"}, set(), "gear ir"),
    ],
)
async def test_deprecated_aliases_work_and_say_so(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    params: dict[str, str],
    expected: set[int],
    reason: str,
) -> None:
    response = await client.get(
        f"{API}/tones/search", params={**params, "page_size": 25}, headers=headers
    )
    assert response.status_code == 200
    assert set(_ids(response.json())) == expected
    assert response.headers["deprecation"] == "true"
    assert 'rel="deprecation"' in response.headers["link"]
    assert reason in response.headers["x-tone3000-deprecations"]
    assert all(t["gear"] != "full-rig" for t in response.json()["data"])


async def test_current_parameters_carry_no_deprecation_headers(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await client.get(f"{API}/tones/search?gears=amp-cab&format=nam", headers=headers)
    assert "deprecation" not in response.headers
    assert _ids(response.json()) == [4206]


async def test_favourites_are_idempotent_and_listed(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    before = (await client.get(f"{API}/tones/4206", headers=headers)).json()
    first = await client.put(f"{API}/tones/4206/favorite", headers=headers)
    again = await client.put(f"{API}/tones/4206/favorite", headers=headers)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert set(first.json()) == {"id", "tone_id", "user_id", "created_at"}
    listed = (await client.get(f"{API}/tones/favorited", headers=headers)).json()
    assert _ids(listed) == [4206, 4201, 4203]
    after = (await client.get(f"{API}/tones/4206", headers=headers)).json()
    assert after["favorites_count"] == before["favorites_count"] + 1
    assert after["is_favorite"] is True
    for _ in range(2):
        gone = await client.delete(f"{API}/tones/4206/favorite", headers=headers)
        assert gone.status_code == 204
    listed = (await client.get(f"{API}/tones/favorited", headers=headers)).json()
    assert _ids(listed) == [4201, 4203]
    assert (await client.put(f"{API}/tones/4290/favorite", headers=headers)).status_code == 403


async def test_favorited_filters_by_gear_alias_and_title(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    ir = await client.get(f"{API}/tones/favorited?gear=ir", headers=headers)
    assert _ids(ir.json()) == [4203]
    assert ir.headers["deprecation"] == "true"
    titled = await client.get(f"{API}/tones/favorited?query=plexi", headers=headers)
    assert _ids(titled.json()) == [4201]
    bad = await client.get(f"{API}/tones/favorited?gear=banjo", headers=headers)
    assert bad.status_code == 400


async def test_created_lists_own_uploads_including_private(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    body = (await client.get(f"{API}/tones/created", headers=headers)).json()
    assert _ids(body) == [4291, 4208]
    assert body["total"] == 2


async def test_downloaded_is_a_deduplicated_history(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    before = _ids((await client.get(f"{API}/tones/downloaded", headers=headers)).json())
    assert before == [4202, 4204]
    await client.get(f"{API}/models/90013/download/a.wav", headers=headers)
    await client.get(f"{API}/models/90001/download/a.nam", headers=headers)
    after = _ids((await client.get(f"{API}/tones/downloaded", headers=headers)).json())
    assert after == [4201, 4204, 4202]


async def test_partner_zip_is_refused_to_everyone_else(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await client.get(f"{API}/tones/4201/download", headers=headers)
    assert response.status_code == 403
