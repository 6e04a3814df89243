"""The tone endpoints: search, detail, the bounded lists, favourites, the partner ZIP."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from toneshootout.tone3000_fake import filters, shapes, urls
from toneshootout.tone3000_fake.catalogue import Tone
from toneshootout.tone3000_fake.deps import (
    Caller,
    CallerDep,
    OptionalCallerDep,
    StateDep,
    signed_in,
)
from toneshootout.tone3000_fake.errors import ApiError
from toneshootout.tone3000_fake.state import SIGNED_URL_SECONDS, FakeState

router = APIRouter(prefix=urls.API)
LIST_PAGE_CAP = 100  # [U] the bounded lists' cap is undocumented; search's is 25
FEED_SIZE = 10


def visible_tone(state: FakeState, caller: Caller, raw_id: str) -> Tone:
    """The tone, or 404 (unknown or deleted), or 403 (private and not the caller's)."""
    tone = state.catalogue.tone(int(raw_id)) if raw_id.isdigit() else None
    if tone is None:
        raise ApiError(404, "Tone not found")
    owner = caller.user is not None and caller.user.id == tone.creator.id
    if not tone.is_public and not owner:
        raise ApiError(403, "You do not have access to this tone")
    return tone


def _paged(tones: list[Tone], caller: Caller, params: Any, cap: int) -> dict[str, Any]:
    number, size = filters.paging(params, 10, cap)
    chunk = tones[(number - 1) * size : number * size]
    items = [shapes.tone_search(t, caller.view) for t in chunk]
    return shapes.page(items, number, size, len(tones))


def _answer(body: dict[str, Any], f: filters.ToneFilter, caller: Caller) -> JSONResponse:
    return JSONResponse(body, headers=filters.deprecation_headers(f.deprecations, caller.view.base))


def _public(state: FakeState) -> list[Tone]:
    return [t for t in state.catalogue.tones if t.is_public]


def _by_ids(state: FakeState, caller: Caller, ids: Iterable[int]) -> list[Tone]:
    """Tones from a user's history that still exist and that they may still see."""
    found = []
    for tone_id in ids:
        tone = state.catalogue.tone(tone_id)
        if tone is not None and (tone.is_public or tone.creator == caller.user):
            found.append(tone)
    return found


@router.get("/tones/search")
def search_tones(request: Request, state: StateDep, caller: CallerDep) -> JSONResponse:
    """Browse and search public tones."""
    if state.search_limiter is not None and caller.token is not None:
        wait = state.search_limiter.hit(caller.token)
        if wait is not None:
            raise ApiError(429, "Too many requests", {"Retry-After": str(wait)})
    f = filters.search_filter(request.query_params)
    found = [t for t in _public(state) if filters.matches(t, f, state.catalogue)]
    body = _paged(filters.ordered(found, f), caller, request.query_params, filters.SEARCH_PAGE_CAP)
    return _answer(body, f, caller)


@router.get("/tones/created")
def created_tones(request: Request, state: StateDep, caller: CallerDep) -> dict[str, Any]:
    """The caller's own uploads, private ones included, newest first."""
    mine = [t for t in state.catalogue.tones if t.creator == signed_in(caller)]
    mine.sort(key=lambda t: t.published, reverse=True)
    return _paged(mine, caller, request.query_params, LIST_PAGE_CAP)


def _history(request: Request, state: FakeState, caller: Caller, ids: list[int]) -> JSONResponse:
    f = filters.list_filter(request.query_params)
    tones = [t for t in _by_ids(state, caller, ids) if filters.matches(t, f, state.catalogue)]
    return _answer(_paged(tones, caller, request.query_params, LIST_PAGE_CAP), f, caller)


@router.get("/tones/favorited")
def favorited_tones(request: Request, state: StateDep, caller: CallerDep) -> JSONResponse:
    """The caller's favourites, newest first."""
    return _history(request, state, caller, state.library.favorites(signed_in(caller).id))


@router.get("/tones/downloaded")
def downloaded_tones(request: Request, state: StateDep, caller: CallerDep) -> JSONResponse:
    """The caller's de-duplicated download history, newest first."""
    return _history(request, state, caller, state.library.downloads(signed_in(caller).id))


@router.get("/tones/trending")
def trending_tones(request: Request, state: StateDep, caller: OptionalCallerDep) -> JSONResponse:
    """Top 10; anonymous callers welcome (then without is_favorite)."""
    f = filters.list_filter(request.query_params)
    eligible = [
        t
        for t in _public(state)
        if t.models and t.has_images and t.description and filters.matches(t, f, state.catalogue)
    ]
    top = sorted(eligible, key=lambda t: (-t.trending_score, t.id))[:FEED_SIZE]
    return _answer(shapes.feed([shapes.tone_search(t, caller.view) for t in top]), f, caller)


@router.get("/tones/latest")
def latest_tones(state: StateDep, caller: CallerDep) -> dict[str, Any]:
    """The 10 newest public tones."""
    newest = sorted(_public(state), key=lambda t: (t.published, t.id), reverse=True)[:FEED_SIZE]
    return shapes.feed([shapes.tone_search(t, caller.view) for t in newest])


@router.get("/tones/{tone_id}")
def get_tone(tone_id: str, request: Request, state: StateDep, caller: CallerDep) -> dict[str, Any]:
    """One tone in the detail shape; `architecture` changes only models_count."""
    tone = visible_tone(state, caller, tone_id)
    architecture = filters.architecture(request.query_params)
    return shapes.tone_detail(tone, caller.view, architecture)


@router.put("/tones/{tone_id}/favorite")
def favorite_tone(tone_id: str, state: StateDep, caller: CallerDep) -> dict[str, Any]:
    """Favourite a tone (idempotent)."""
    tone = visible_tone(state, caller, tone_id)
    record = state.library.favorite(signed_in(caller).id, tone.id, state.clock.iso())
    return {
        "id": record.id,
        "tone_id": record.tone_id,
        "user_id": record.user_id,
        "created_at": record.created_at,
    }


@router.delete("/tones/{tone_id}/favorite", status_code=204)
def unfavorite_tone(tone_id: str, state: StateDep, caller: CallerDep) -> Response:
    """Remove a favourite (idempotent)."""
    tone = visible_tone(state, caller, tone_id)
    state.library.unfavorite(signed_in(caller).id, tone.id)
    return Response(status_code=204)


@router.get("/tones/{tone_id}/download")
def download_tone(tone_id: str, state: StateDep, caller: CallerDep) -> dict[str, Any]:
    """Partners only: a ZIP of the tone's files behind an unauthenticated URL for an hour."""
    if not state.config.partner:
        raise ApiError(403, "This endpoint is only available to approved partners")
    tone = visible_tone(state, caller, tone_id)
    if not zip_models(tone):
        raise ApiError(400, "This tone has no models to download")
    expires = int(state.clock.now()) + SIGNED_URL_SECONDS
    path = f"zips/tone-{tone.id}.zip"
    url = f"{caller.view.storage}/storage/v1/object/sign/{path}"
    return {
        "url": f"{url}?token={state.sign(path, expires)}&expires={expires}",
        "expires_at": state.clock.iso_at(expires),
        "filename": f"{tone.slug}.zip",
    }


def zip_models(tone: Tone) -> list[Any]:
    """What the partner ZIP holds: IRs, or for NAM tones the A2 files only."""
    if tone.format == "ir":
        return list(tone.models)
    return [m for m in tone.models if m.architecture == "2"]
