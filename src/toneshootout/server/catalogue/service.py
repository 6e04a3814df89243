"""The picker's questions, asked of TONE3000 as the user; client errors become domain errors."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable
from typing import TypeVar

from toneshootout.server.catalogue.cache import ToneCache
from toneshootout.server.catalogue.schemas import (
    ToneDetailOut,
    ToneList,
    TonePageOut,
    detail_out,
    page_out,
)
from toneshootout.server.errors import NotFound
from toneshootout.server.tone3000.problems import as_domain_error
from toneshootout.tone3000.api import Tone3000Api
from toneshootout.tone3000.errors import Tone3000Error

T = TypeVar("T")


class SearchUnavailable(NotFound):
    code = "tone3000_search_unavailable"

    def __init__(self) -> None:
        super().__init__(
            "searching TONE3000 needs an API tier this server does not have: pick from your "
            "favourites, downloads and uploads, or on TONE3000 itself"
        )


async def _asking(call: Awaitable[T]) -> T:
    try:
        return await call
    except Tone3000Error as err:
        raise as_domain_error(err) from err


async def list_tones(
    api: Tone3000Api,
    which: ToneList,
    *,
    page: int,
    page_size: int,
    query: str | None,
    gear: str | None,
) -> TonePageOut:
    found = await _asking(api.tones(which, page=page, page_size=page_size, query=query, gear=gear))
    return page_out(found)


async def search_tones(
    api: Tone3000Api,
    *,
    enabled: bool,
    query: str,
    format: str | None,
    page: int,
    page_size: int,
) -> TonePageOut:
    if not enabled:
        raise SearchUnavailable()
    params: dict[str, object] = {"query": query, "page": page, "page_size": page_size}
    if format:
        params["format"] = format
    if format != "ir":
        params["architecture"] = "2"  # without it search hides A2 (§1.5); A2 is what's current
    return page_out(await _asking(api.search(**params)))


async def tone_detail(
    api: Tone3000Api, cache: ToneCache, user_id: uuid.UUID, tone_id: int
) -> ToneDetailOut:
    """The tone with every model variant (one `GET /models` per architecture it reports)."""
    key = str(user_id)
    hit = cache.get(key, tone_id)
    if hit is None:
        tone = await _asking(api.tone(tone_id))
        models = await _asking(api.models(tone))
        cache.put(key, tone, models)
        hit = (tone, models)
    return detail_out(*hit)
