"""Live contract test: the real TONE3000 against the fake we test everything else with.

Skipped unless `TONE3000_LIVE_TOKEN` holds a user access token (from `toneshootout login
--tone3000`: the `access_token` in its file), and never run in CI. It only reads: `/user`,
`/tones/favorited`, `/tones/{id}` and `/models?tone_id&architecture=1|2`. A field the fake
emits and our wire models read must be in the real answer, or the test fails; new fields and
changed types are warnings (`pytest -ra -m live_tone3000 tests/contract`).

    TONE3000_LIVE_TOKEN=… [TONE3000_LIVE_TONE_ID=4242] [TONE3000_LIVE_BASE_URL=…] \
        pytest -m live_tone3000 tests/contract -ra
"""

from __future__ import annotations

import os
import warnings
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.contract.drift import Drift, compare, compare_nested, read_fields
from tests.unit.tone3000_fake.helpers import BASE, bearer, sign_in
from toneshootout.tone3000.wire import EmbeddedUser, Model, Named, Page, Tone, User
from toneshootout.tone3000_fake import create_fake_app

TOKEN = os.environ.get("TONE3000_LIVE_TOKEN", "")
LIVE_BASE = os.environ.get("TONE3000_LIVE_BASE_URL", "https://www.tone3000.com").rstrip("/")
FAKE_NAM_TONE, FAKE_IR_TONE = 4201, 4203  # the fake's tones to hold real ones against

pytestmark = [
    pytest.mark.live_tone3000,
    pytest.mark.skipif(not TOKEN, reason="set TONE3000_LIVE_TOKEN to compare with TONE3000"),
    pytest.mark.skipif(bool(os.environ.get("CI")), reason="never in CI: it calls TONE3000"),
]

TONE_NESTED = {
    "user": read_fields(EmbeddedUser),
    "makes": read_fields(Named),
    "tags": read_fields(Named),
}
PAGE_READS = read_fields(Page[Tone])


@pytest.fixture
async def real() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        base_url=f"{LIVE_BASE}/api/v1", headers=bearer(TOKEN), timeout=30
    ) as http:
        yield http


@pytest.fixture
async def fake() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_fake_app())
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        tokens = await sign_in(http)
        http.headers.update(bearer(tokens["access_token"]))
        http.base_url = httpx.URL(f"{BASE}/api/v1")
        yield http


async def _get(http: httpx.AsyncClient, path: str, **params: Any) -> dict[str, Any]:
    response = await http.get(path, params=params)
    # The request's headers (the token) never go into a message.
    assert response.status_code == 200, f"GET {path}: {response.status_code} {response.text[:200]}"
    body = response.json()
    assert isinstance(body, dict), f"GET {path}: not a JSON object"
    return body


def _report(drift: Drift) -> None:
    for note in drift.notes:
        warnings.warn(f"TONE3000 drift: {note}", stacklevel=2)
    assert not drift.missing, f"fields we read are gone: {drift.missing}"


async def _live_tone_id(real: httpx.AsyncClient) -> int:
    if chosen := os.environ.get("TONE3000_LIVE_TONE_ID"):
        return int(chosen)
    favourites = await _get(real, "/tones/favorited", page=1, page_size=1)
    if not favourites.get("data"):
        pytest.skip("no favourites: favourite a tone or set TONE3000_LIVE_TONE_ID")
    return int(favourites["data"][0]["id"])


async def test_user_matches_the_fake(real: httpx.AsyncClient, fake: httpx.AsyncClient) -> None:
    mine = await _get(real, "/user")
    User.model_validate(mine)
    _report(compare("user", mine, await _get(fake, "/user"), read_fields(User)))


async def test_favorited_matches_the_fake(real: httpx.AsyncClient, fake: httpx.AsyncClient) -> None:
    page = await _get(real, "/tones/favorited", page=1, page_size=5)
    theirs = await _get(fake, "/tones/favorited", page=1, page_size=5)
    Page[Tone].model_validate(page)
    drift = compare("favorited", page, theirs, PAGE_READS)
    if page.get("data"):
        drift.merge(
            compare_nested(
                "favorited.data", page["data"][0], theirs["data"][0], read_fields(Tone), TONE_NESTED
            )
        )
    else:
        warnings.warn("no favourites: the tone list shape was not compared", stacklevel=1)
    _report(drift)


async def test_tone_detail_matches_the_fake(
    real: httpx.AsyncClient, fake: httpx.AsyncClient
) -> None:
    tone = await _get(real, f"/tones/{await _live_tone_id(real)}")
    parsed = Tone.model_validate(tone)
    theirs = await _get(fake, f"/tones/{FAKE_IR_TONE if parsed.is_ir else FAKE_NAM_TONE}")
    _report(compare_nested("tone", tone, theirs, read_fields(Tone), TONE_NESTED))


async def test_models_match_the_fake(real: httpx.AsyncClient, fake: httpx.AsyncClient) -> None:
    tone = Tone.model_validate(await _get(real, f"/tones/{await _live_tone_id(real)}"))
    fake_tone = FAKE_IR_TONE if tone.is_ir else FAKE_NAM_TONE
    drift = Drift()
    compared = 0
    for architecture in [None] if tone.is_ir else ["1", "2"]:
        query = {"architecture": architecture} if architecture else {}
        page = await _get(real, "/models", tone_id=tone.id, **query)
        theirs = await _get(fake, "/models", tone_id=fake_tone, **query)
        Page[Model].model_validate(page)
        drift.merge(compare(f"models[{architecture}]", page, theirs, read_fields(Page[Model])))
        if page.get("data"):
            first = page["data"][0]
            drift.merge(
                compare(f"model[{architecture}]", first, theirs["data"][0], read_fields(Model))
            )
            compared += 1
    if not compared:
        warnings.warn(
            f"tone {tone.id} listed no models: the model shape was not compared", stacklevel=1
        )
    _report(drift)
