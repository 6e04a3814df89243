"""Renders: submit a shootout, follow, cancel and delete renders, download their results."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from typing import Annotated, Any, Final
from urllib.parse import quote

from fastapi import APIRouter, Body, Header, Query, Response, status
from fastapi.responses import StreamingResponse

from toneshootout.server.auth.deps import CurrentUser
from toneshootout.server.db.models.render import Render, RenderOutput
from toneshootout.server.deps import ServicesDep, SessionDep, StorageDep
from toneshootout.server.http.stored import DownloadsDep
from toneshootout.server.library.downloads import (
    DOWNLOAD_HEADERS,
    content_disposition,
)
from toneshootout.server.render import results, service
from toneshootout.server.render.bundle import stream_zip
from toneshootout.server.render.credits import tone3000_credits_out
from toneshootout.server.render.deps import OwnedRender, Tone3000Lookups
from toneshootout.server.render.files import download_name
from toneshootout.server.render.schemas import (
    RenderCurrent,
    RenderOut,
    RenderOutputOut,
    RenderPage,
    RenderSubmit,
    RenderSummary,
)
from toneshootout.server.render.states import RenderState
from toneshootout.server.render.videos import LinkedOutput, videos
from toneshootout.server.shootout.deps import OwnedShootout

router = APIRouter(tags=["renders"])

RENDERS_URL: Final = "/api/v1/renders"
Responses = dict[int | str, dict[str, Any]]
_NOT_FOUND: Responses = {404: {"description": "No such render among yours"}}
_NOT_SUCCEEDED: Responses = {409: {"description": "The render has not succeeded (no results)"}}
_FILE: Responses = {200: {"content": {"application/octet-stream": {}}}}


def _summary_fields(render: Render) -> dict[str, Any]:
    current = RenderCurrent.model_validate(render.current) if render.current else None
    return {
        **{name: getattr(render, name) for name in RenderSummary.model_fields if name != "current"},
        "current": current,
    }


def _summary(render: Render) -> RenderSummary:
    return RenderSummary(**_summary_fields(render))


def _out(render: Render, outputs: Sequence[RenderOutput]) -> RenderOut:
    base = f"{RENDERS_URL}/{render.id}"
    succeeded = render.state == RenderState.SUCCEEDED
    files = [
        RenderOutputOut(
            role=o.role,
            path=o.path,
            di=o.di,
            chain=o.chain,
            size_bytes=o.size_bytes,
            sha256=o.sha256,
            media_type=o.media_type,
            url=f"{base}/files/{quote(o.path)}",
        )
        for o in outputs
    ]
    return RenderOut(
        **_summary_fields(render),
        outputs=files,
        videos=videos(LinkedOutput(f.role, f.di, f.url) for f in files),
        bundle_url=f"{base}/bundle" if succeeded else None,
        metrics_csv_url=f"{base}/metrics.csv" if succeeded else None,
        tone3000_credits=tone3000_credits_out(render.snapshot),
    )


@router.post(
    "/shootouts/{shootout_id}/renders",
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        404: {"description": "No such shootout among yours"},
        409: {
            "description": "A TONE3000 model it uses cannot be had: sign in with TONE3000 "
            "(tone3000_sign_in_required), the tone is private (tone3000_private) or deleted "
            "(tone3000_deleted), or this server has no TONE3000 connection"
        },
        422: {
            "description": "The shootout no longer validates, the key was reused, or a block "
            "names a TONE3000 model of another tone or kind"
        },
        429: {"description": "Too many of your renders are queued or running, or TONE3000 is busy"},
        502: {"description": "TONE3000 answered something unusable"},
        503: {"description": "TONE3000 could not be reached; try again later"},
    },
)
async def submit_render(
    *,
    shootout: OwnedShootout,
    tone3000: Tone3000Lookups,
    session: SessionDep,
    services: ServicesDep,
    response: Response,
    payload: Annotated[RenderSubmit | None, Body()] = None,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> RenderOut:
    """Queue a render of the shootout as saved now; a repeated Idempotency-Key replays it."""
    submitted = await service.submit_render(
        session,
        shootout=shootout,
        options=(payload or RenderSubmit()).model_dump(mode="json"),
        idempotency_key=idempotency_key,
        settings=services.settings.render,
        queue=services.queue,
        events=services.hub,
        tone3000=tone3000,
    )
    render = submitted.render
    response.headers["Location"] = f"{RENDERS_URL}/{render.id}"
    if submitted.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return _out(render, await service.outputs_of(session, render))


@router.get("/renders")
async def list_renders(
    *,
    user: CurrentUser,
    session: SessionDep,
    shootout_id: uuid.UUID | None = None,
    state: RenderState | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> RenderPage:
    """List your renders, newest first; filter by shootout and state."""
    found, total = await service.list_renders(
        session, owner_id=user.id, shootout_id=shootout_id, state=state, limit=limit, offset=offset
    )
    return RenderPage(items=[_summary(r) for r in found], total=total, limit=limit, offset=offset)


@router.get("/renders/{render_id}", responses=_NOT_FOUND)
async def get_render(render: OwnedRender, session: SessionDep) -> RenderOut:
    """One render: state, progress, and for a succeeded render its files with download URLs."""
    return _out(render, await service.outputs_of(session, render))


@router.post(
    "/renders/{render_id}/cancel",
    responses=_NOT_FOUND
    | {
        202: {"description": "Running: its worker was asked to stop", "model": RenderOut},
        409: {"description": "The render has already finished"},
    },
)
async def cancel_render(
    render: OwnedRender, session: SessionDep, services: ServicesDep, response: Response
) -> RenderOut:
    """Cancel a render: a queued one at once (200), a running one as soon as it stops (202)."""
    render = await service.cancel_render(session, render=render, events=services.hub)
    if render.state == RenderState.RUNNING:
        response.status_code = status.HTTP_202_ACCEPTED
    return _out(render, [])


@router.delete("/renders/{render_id}", status_code=status.HTTP_204_NO_CONTENT, responses=_NOT_FOUND)
async def delete_render(render: OwnedRender, session: SessionDep, storage: StorageDep) -> Response:
    """Delete a render (cancelling it first if it is active) and its files."""
    await service.delete_render(session, storage=storage, render=render)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/renders/{render_id}/files/{path:path}",
    response_class=Response,
    responses=_NOT_FOUND | _NOT_SUCCEEDED | _FILE,
)
async def download_render_file(
    render: OwnedRender,
    path: str,
    session: SessionDep,
    storage: StorageDep,
    downloads: DownloadsDep,
) -> Response:
    """One file of a succeeded render, as an attachment; supports Range requests. A download
    link may be redirected (307) to a short-lived URL of the bucket itself."""
    file, _ = await results.output_file(session, storage=storage, render=render, path=path)
    return await downloads.send(file)


@router.get(
    "/renders/{render_id}/metrics.csv",
    responses=_NOT_FOUND | _NOT_SUCCEEDED | {200: {"content": {"text/csv": {}}}},
)
async def download_metrics_csv(
    render: OwnedRender, session: SessionDep, storage: StorageDep, downloads: DownloadsDep
) -> Response:
    """The metrics table of a succeeded render as CSV (one row per DI × chain)."""
    table = await results.metrics_table(session, storage=storage, render=render)
    name = download_name(render.title, render.number, results.METRICS_CSV)
    media_type = "text/csv; charset=utf-8"
    if table.file is not None:
        return await downloads.send(replace(table.file, media_type=media_type, filename=name))
    headers = {**DOWNLOAD_HEADERS, "Content-Disposition": content_disposition(name)}
    return Response(table.text or "", media_type=media_type, headers=headers)


@router.get(
    "/renders/{render_id}/bundle",
    response_class=StreamingResponse,
    responses=_NOT_FOUND | _NOT_SUCCEEDED | {200: {"content": {"application/zip": {}}}},
)
async def download_bundle(
    render: OwnedRender, session: SessionDep, storage: StorageDep
) -> StreamingResponse:
    """A ZIP of the render's results (manifest, metrics, audio, plots, ATTRIBUTION), streamed."""
    name, entries = await results.bundle_entries(session, storage=storage, render=render)
    when = render.finished_at or render.created_at
    headers = {**DOWNLOAD_HEADERS, "Content-Disposition": content_disposition(f"{name}.zip")}
    return StreamingResponse(
        stream_zip(entries, storage=storage, when=when),
        media_type="application/zip",
        headers=headers,
    )
