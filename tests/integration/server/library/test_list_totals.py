"""The list's total rides on the page query; pages past the end and filters still count right."""

from __future__ import annotations

import httpx

from tests.integration.server.library.helpers import API, IR, padded_wav, register_and_login, upload


async def test_list_total_holds_on_every_page_including_past_the_end(
    client: httpx.AsyncClient,
) -> None:
    user = await register_and_login(client)
    for pad in range(1, 4):
        response = await upload(client, user, "irs", padded_wav(IR, pad), f"cab {pad}.wav")
        assert response.status_code == 201, response.text
    for offset, shown in [(0, 2), (2, 1), (3, 0), (50, 0)]:
        url = f"{API}/irs?limit=2&offset={offset}"
        page = (await client.get(url, headers=user.headers)).json()
        assert (page["total"], len(page["items"]), page["offset"]) == (3, shown, offset)


async def test_list_total_is_zero_when_nothing_matches(client: httpx.AsyncClient) -> None:
    user = await register_and_login(client)
    response = await upload(client, user, "irs", padded_wav(IR, 1), "cab.wav")
    assert response.status_code == 201, response.text
    for query in ["q=nothing", "q=nothing&offset=5", "tag=absent"]:
        page = (await client.get(f"{API}/irs?{query}", headers=user.headers)).json()
        assert (page["total"], page["items"]) == (0, [])
    empty = (await client.get(f"{API}/di-tracks", headers=user.headers)).json()
    assert (empty["total"], empty["items"]) == (0, [])
