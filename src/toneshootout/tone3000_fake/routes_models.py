"""Models: list one architecture at a time, get one, download its file (maybe via storage)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from toneshootout.tone3000_fake import filters, shapes, urls
from toneshootout.tone3000_fake.catalogue import Model, Tone
from toneshootout.tone3000_fake.deps import Caller, CallerDep, StateDep, signed_in
from toneshootout.tone3000_fake.errors import ApiError
from toneshootout.tone3000_fake.routes_tones import visible_tone
from toneshootout.tone3000_fake.state import SIGNED_URL_SECONDS, FakeState

router = APIRouter(prefix=urls.API)
MODELS_PAGE_CAP = 300


def _listed(tone: Tone, architecture: str | None) -> list[Model]:
    if tone.format == "ir":  # IRs have no architecture: asking for one finds nothing
        return list(tone.models) if architecture is None else []
    if architecture is None:  # the compatibility default hides A2 (§1.5)
        return [m for m in tone.models if m.architecture in ("1", "custom")]
    return [m for m in tone.models if m.architecture == architecture]


@router.get("/models")
def list_models(request: Request, state: StateDep, caller: CallerDep) -> dict[str, Any]:
    """A tone's models, one architecture at a time; without `architecture`, no A2."""
    params = request.query_params
    raw = params.get("tone_id")
    if not raw:
        raise ApiError(400, "tone_id is required")
    if not raw.isdigit():
        raise ApiError(400, "Invalid tone_id: must be a positive integer")
    tone = visible_tone(state, caller, raw)
    found = _listed(tone, filters.architecture(params))
    number, size = filters.paging(params, 10, MODELS_PAGE_CAP)
    chunk = found[(number - 1) * size : number * size]
    return shapes.page(
        [shapes.model(tone, m, caller.view) for m in chunk], number, size, len(found)
    )


def _visible_model(state: FakeState, caller: Caller, raw_id: str) -> tuple[Tone, Model]:
    found = state.catalogue.model(int(raw_id)) if raw_id.isdigit() else None
    if found is None:
        raise ApiError(404, "Model not found")
    tone = visible_tone(state, caller, str(found[0].id))
    return tone, found[1]


@router.get("/models/{model_id}")
def get_model(model_id: str, state: StateDep, caller: CallerDep) -> dict[str, Any]:
    """One model."""
    tone, model = _visible_model(state, caller, model_id)
    return shapes.model(tone, model, caller.view)


def _via_storage(state: FakeState, model: Model) -> bool:
    route = state.switches.download_route
    return model.via_storage if route == "catalogue" else route == "storage"


@router.get("/models/{model_id}/download")
@router.get("/models/{model_id}/download/{filename}")
def download_model(
    model_id: str, state: StateDep, caller: CallerDep, filename: str | None = None
) -> Response:
    """The model's file, or a 302 to a signed URL on the storage host (no Bearer there)."""
    tone, model = _visible_model(state, caller, model_id)
    state.library.record_download(signed_in(caller).id, tone.id)
    name = f"{model.slug}.{model.extension}"
    if _via_storage(state, model):
        expires = int(state.clock.now()) + SIGNED_URL_SECONDS
        path = f"models/{model.id}/{name}"
        token = state.sign(path, expires)
        location = f"{caller.view.storage}/storage/v1/object/sign/{path}"
        return RedirectResponse(f"{location}?token={token}&expires={expires}", status_code=302)
    return file_response(state.model_file(model), name)


def file_response(data: bytes, name: str) -> Response:
    media = "audio/wav" if name.endswith(".wav") else "application/octet-stream"
    disposition = f'attachment; filename="{name}"'
    return Response(data, media_type=media, headers={"Content-Disposition": disposition})
