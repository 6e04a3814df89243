"""The catalogue calls: lists, feeds, every model of a tone, and the 401/403/404/429 rules."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.unit.tone3000.kit import Kit
from toneshootout.tone3000.errors import (
    BadResponse,
    RateLimited,
    SignInRequired,
    ToneDeleted,
    TonePrivate,
    Unreachable,
)
from toneshootout.tone3000.wire import Tone
from toneshootout.tone3000_fake import FakeConfig
from toneshootout.tone3000_fake.catalogue import DELETED_TONE_ID

PLEXI, LANTERN_IR, BASS_AMP, A2_ONLY, SECRET_FUZZ = 4201, 4203, 4208, 4210, 4290


@pytest.fixture
async def signed_in(kit: Kit) -> Kit:
    await kit.sign_in()
    return kit


# -- the user and lists ---------------------------------------------------------------------


async def test_user_is_the_signed_in_tester(signed_in: Kit) -> None:
    user = await signed_in.api().user()
    assert user.username == "shootout-tester"
    assert len(user.id) == 36  # a UUID string


@pytest.mark.parametrize(
    ("which", "expected"),
    [("favorited", [4201, 4203]), ("downloaded", [4202, 4204]), ("created", [4208, 4291])],
)
async def test_lists_page_through_the_users_tones(
    signed_in: Kit, which: str, expected: list[int]
) -> None:
    api = signed_in.api()
    first = await api.tones(which, page=1, page_size=1)
    second = await api.tones(which, page=2, page_size=1)
    assert (first.page, first.page_size, first.total, first.total_pages) == (1, 1, 2, 2)
    assert second.page == 2
    assert sorted(t.id for t in [*first.data, *second.data]) == expected
    sent = signed_in.requests_to(f"/api/v1/tones/{which}")[0]
    assert sent.query == {"page": "1", "page_size": "1"}  # no empty query or gear sent


async def test_lists_pass_query_and_gear(signed_in: Kit) -> None:
    page = await signed_in.api().tones("favorited", query="plexi", gear="amp")
    assert [t.id for t in page.data] == [PLEXI]
    assert signed_in.requests_to("/api/v1/tones/favorited")[0].query["gear"] == "amp"


async def test_a_private_own_tone_without_images_reads_with_empty_arrays(signed_in: Kit) -> None:
    created = await signed_in.api().tones("created")
    private = next(t for t in created.data if t.id == 4291)
    assert private.images == []
    assert private.makes == []
    assert private.tags == []


async def test_an_unknown_list_is_refused_before_any_call(signed_in: Kit) -> None:
    with pytest.raises(ValueError, match="unknown list"):
        await signed_in.api().tones("everything")
    assert signed_in.requests_to("/api/v1/tones/everything") == []


async def test_null_arrays_in_a_page_read_as_empty(signed_in: Kit) -> None:
    body: dict[str, Any] = {
        "data": [
            {"id": "77", "title": "Odd", "images": None, "makes": None, "tags": None, "sizes": None}
        ],
        "page": 1,
        "page_size": 10,
        "total": 1,
        "total_pages": 1,
    }
    signed_in.answer("/api/v1/tones/favorited", lambda: httpx.Response(200, json=body))
    page = await signed_in.api().tones("favorited")
    assert page.data[0].id == 77
    assert (page.data[0].images, page.data[0].sizes, page.data[0].makes) == ([], [], [])
    signed_in.answer("/api/v1/tones/favorited", lambda: httpx.Response(200, json={"data": None}))
    assert (await signed_in.api().tones("favorited")).data == []


@pytest.mark.parametrize("which", ["trending", "latest"])
async def test_feeds_have_no_paging_fields_and_still_read(signed_in: Kit, which: str) -> None:
    tones = await signed_in.api().feed(which)
    assert 0 < len(tones) <= 10
    assert all(isinstance(t, Tone) for t in tones)


async def test_trending_passes_the_gear(signed_in: Kit) -> None:
    tones = await signed_in.api().feed("trending", gear="cab")
    assert tones
    assert {t.gear for t in tones} == {"cab"}


async def test_an_unknown_feed_is_refused(signed_in: Kit) -> None:
    with pytest.raises(ValueError, match="unknown feed"):
        await signed_in.api().feed("oldest")


# -- every model of a tone ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tone_id", "calls", "count"),
    [
        (PLEXI, [{"architecture": "1"}, {"architecture": "2"}], 5),
        (BASS_AMP, [{"architecture": "1"}, {"architecture": "custom"}], 2),
        (A2_ONLY, [{"architecture": "2"}], 2),  # hidden if we asked without an architecture
        (LANTERN_IR, [{}], 3),  # IRs: once, with no architecture
    ],
)
async def test_models_lists_every_architecture_the_tone_reports(
    signed_in: Kit, tone_id: int, calls: list[dict[str, str]], count: int
) -> None:
    api = signed_in.api()
    tone = await api.tone(tone_id)
    models = await api.models(tone)
    assert len(models) == count
    assert len({m.id for m in models}) == count
    assert {m.tone_id for m in models} == {tone_id}
    sent = signed_in.requests_to("/api/v1/models")
    for request, expected in zip(sent, calls, strict=True):
        query = request.query
        assert query.pop("tone_id") == str(tone_id)
        assert {k: v for k, v in query.items() if k == "architecture"} == expected


async def test_models_of_a_tone_with_a1_a2_and_custom_variants(signed_in: Kit) -> None:
    tone = Tone(
        id=PLEXI, title="Plexi", a1_models_count=3, a2_models_count=2, custom_models_count=1
    )
    versions = {"1": ["1"] * 3, "2": ["2"] * 2, "custom": ["custom"]}

    def answer(request: httpx.Request) -> httpx.Response | None:
        if request.url.path != "/api/v1/models":
            return None
        arch = request.url.params["architecture"]
        data = [
            {"id": 1000 * len(arch) + i, "tone_id": PLEXI, "model_url": "x", "name": f"{arch}-{i}"}
            | {"architecture_version": v}
            for i, v in enumerate(versions[arch])
        ]
        return httpx.Response(200, json={"data": data, "page": 1, "total_pages": 1})

    signed_in.recorder.override = answer
    models = await signed_in.api().models(tone)
    assert sorted(m.architecture_version or "" for m in models) == ["1"] * 3 + ["2"] * 2 + [
        "custom"
    ]
    assert len(signed_in.requests_to("/api/v1/models")) == 3


async def test_models_follow_the_pages(signed_in: Kit) -> None:
    tone = Tone(id=PLEXI, title="Plexi", a1_models_count=150)

    def answer(request: httpx.Request) -> httpx.Response | None:
        if request.url.path != "/api/v1/models":
            return None
        page = int(request.url.params["page"])
        data = [{"id": page * 1000 + i, "tone_id": PLEXI, "model_url": "x"} for i in range(3)]
        return httpx.Response(200, json={"data": data, "page": page, "total_pages": 2})

    signed_in.recorder.override = answer
    models = await signed_in.api().models(tone)
    assert len(models) == 6
    assert [s.query["page"] for s in signed_in.requests_to("/api/v1/models")] == ["1", "2"]


async def test_a_tone_with_no_models_makes_no_model_calls(signed_in: Kit) -> None:
    proteus = await signed_in.api().tone(4212)
    assert await signed_in.api().models(proteus) == []
    assert signed_in.requests_to("/api/v1/models") == []


# -- 401: refresh once, then give up --------------------------------------------------------


async def test_a_401_refreshes_once_and_retries(signed_in: Kit) -> None:
    stored = signed_in.store.tokens
    assert stored is not None
    # The fake has let the token lapse early; our side still thinks it has an hour.
    signed_in.state.oauth.pairs_by_access[stored.access_token].expires_at = 0
    user = await signed_in.api().user()
    assert user.username == "shootout-tester"
    calls = signed_in.requests_to("/api/v1/user")
    assert len(calls) == 2
    assert calls[0].authorization == f"Bearer {stored.access_token}"
    assert calls[1].authorization != calls[0].authorization
    assert signed_in.state.oauth.counters.refresh_requests == 1


async def test_a_second_401_is_sign_in_required(signed_in: Kit) -> None:
    body = {"error": "Missing or invalid Authorization header"}
    signed_in.answer("/api/v1/user", lambda: httpx.Response(401, json=body))
    with pytest.raises(SignInRequired):
        await signed_in.api().user()
    assert len(signed_in.requests_to("/api/v1/user")) == 2
    assert signed_in.state.oauth.counters.refresh_requests == 1


# -- 403, 404 and other refusals -------------------------------------------------------------


async def test_a_private_tone_is_tone_private(signed_in: Kit) -> None:
    with pytest.raises(TonePrivate, match="this tone is private"):
        await signed_in.api().tone(SECRET_FUZZ)


async def test_a_model_of_a_private_tone_is_private(signed_in: Kit) -> None:
    with pytest.raises(TonePrivate, match="this model is private"):
        await signed_in.api().model(90028)  # "Proto", on the private Secret Fuzz


async def test_a_deleted_tone_is_tone_deleted(signed_in: Kit) -> None:
    with pytest.raises(ToneDeleted, match="this tone was deleted"):
        await signed_in.api().tone(DELETED_TONE_ID)


async def test_a_400_is_a_bad_response_with_the_servers_words(signed_in: Kit) -> None:
    body = {"error": "Invalid gear value: amp, amp-cab, pedal"}
    signed_in.answer("/api/v1/tones/favorited", lambda: httpx.Response(400, json=body))
    with pytest.raises(BadResponse, match="Invalid gear value"):
        await signed_in.api().tones("favorited", gear="synth")


async def test_a_5xx_is_unreachable(signed_in: Kit) -> None:
    signed_in.answer("/api/v1/user", lambda: httpx.Response(503, text="maintenance"))
    with pytest.raises(Unreachable, match="503"):
        await signed_in.api().user()


async def test_an_unreadable_answer_is_a_bad_response(signed_in: Kit) -> None:
    signed_in.answer("/api/v1/user", lambda: httpx.Response(200, text="<html>oops</html>"))
    with pytest.raises(BadResponse, match="cannot read"):
        await signed_in.api().user()


async def test_a_network_failure_is_unreachable(signed_in: Kit) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    signed_in.recorder.override = refuse
    with pytest.raises(Unreachable, match="ReadTimeout"):
        await signed_in.api().user()


# -- 429: wait as told, then give up ---------------------------------------------------------


@pytest.mark.parametrize("config", [FakeConfig(rate_limit=3, rate_window_seconds=20)])
async def test_a_429_waits_for_retry_after_and_retries(signed_in: Kit) -> None:
    api = signed_in.api()
    for _ in range(3):
        await api.user()
    user = await api.user()  # the fourth is over TONE3000's limit: 429, Retry-After: 20
    assert user.username == "shootout-tester"
    assert signed_in.sleeps == [20]
    assert len(signed_in.requests_to("/api/v1/user")) == 5


async def test_a_429_that_never_ends_gives_up_with_rate_limited(signed_in: Kit) -> None:
    signed_in.answer(
        "/api/v1/user",
        lambda: httpx.Response(429, json={"error": "Too many"}, headers={"Retry-After": "7"}),
    )
    with pytest.raises(RateLimited) as caught:
        await signed_in.api().user()
    assert caught.value.retry_after == 7
    assert signed_in.sleeps == [7, 7, 7]
    assert len(signed_in.requests_to("/api/v1/user")) == 4


async def test_a_429_without_retry_after_backs_off_exponentially(signed_in: Kit) -> None:
    signed_in.answer("/api/v1/user", lambda: httpx.Response(429, json={"error": "Too many"}))
    with pytest.raises(RateLimited):
        await signed_in.api().user()
    assert signed_in.sleeps == [1, 2, 4]


@pytest.mark.parametrize("config", [FakeConfig(rate_limit=1)])
async def test_a_retry_after_too_long_to_wait_gives_up_at_once(signed_in: Kit) -> None:
    # Waiting a minute inside a request helps nobody, and retrying early only spends a call:
    # the caller hears when to try again.
    api = signed_in.api()
    await api.user()
    with pytest.raises(RateLimited) as caught:
        await api.user()
    assert caught.value.retry_after == 60
    assert signed_in.sleeps == []
    assert len(signed_in.requests_to("/api/v1/user")) == 2
