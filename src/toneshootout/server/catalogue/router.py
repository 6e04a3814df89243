"""`/api/v1/tone3000/tones...`: the signed-in user's TONE3000 lists and a tone's variants."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from toneshootout.server.auth.deps import CurrentUser
from toneshootout.server.catalogue import service
from toneshootout.server.catalogue.schemas import ToneDetailOut, ToneList, TonePageOut
from toneshootout.server.deps import SettingsDep
from toneshootout.server.tone3000.deps import Tone3000Dep

router = APIRouter(prefix="/tone3000", tags=["tone3000"])

Gear = Literal["amp", "amp-cab", "pedal", "outboard", "cab", "space", "experimental"]
PageNumber = Annotated[int, Query(ge=1, le=10_000)]
PageSize = Annotated[int, Query(ge=1, le=25, description="TONE3000 caps pages at 25")]
Text = Annotated[str | None, Query(max_length=100)]


@router.get("/tones", summary="List your TONE3000 favourites, downloads or uploads")
async def list_tones(
    *,
    user: CurrentUser,  # first: an anonymous caller is 401 even where TONE3000 is off
    access: Tone3000Dep,
    list: ToneList = "favorited",
    page: PageNumber = 1,
    page_size: PageSize = 20,
    query: Text = None,
    gear: Gear | None = None,
) -> TonePageOut:
    return await service.list_tones(
        access.api_for(user.id), list, page=page, page_size=page_size, query=query, gear=gear
    )


@router.get("/tones/search", summary="Search TONE3000 (only on an API tier that allows it)")
async def search_tones(
    *,
    user: CurrentUser,  # first: an anonymous caller is 401 even where TONE3000 is off
    access: Tone3000Dep,
    settings: SettingsDep,
    query: Annotated[str, Query(min_length=1, max_length=100)],
    format: Literal["nam", "ir"] | None = None,
    page: PageNumber = 1,
    page_size: PageSize = 20,
) -> TonePageOut:
    return await service.search_tones(
        access.api_for(user.id),
        enabled=settings.tone3000.search_enabled,
        query=query,
        format=format,
        page=page,
        page_size=page_size,
    )


@router.get("/tones/{tone_id}", summary="A TONE3000 tone with every model variant")
async def get_tone(
    user: CurrentUser,  # first: an anonymous caller is 401 even where TONE3000 is off
    access: Tone3000Dep,
    tone_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
) -> ToneDetailOut:
    return await service.tone_detail(access.api_for(user.id), access.tones, user.id, tone_id)
