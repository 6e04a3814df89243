"""`/shootouts`: create, list, read, replace, patch, clone and delete the caller's shootouts.

Bodies are taken as JSON objects and validated by the service, so that shape errors and
library errors come back together, each at its JSON path; the OpenAPI body schemas are the
real ones.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response, status

from toneshootout.server.auth.deps import CurrentUser
from toneshootout.server.deps import SessionDep, SettingsDep
from toneshootout.server.shootout import service
from toneshootout.server.shootout.deps import OwnedShootout
from toneshootout.server.shootout.schemas import (
    ShootoutIn,
    ShootoutOut,
    ShootoutPage,
    ShootoutPatch,
    ShootoutSummary,
    ShootoutWarning,
    request_body_doc,
    shootout_schema,
)
from toneshootout.server.shootout.service import Listed, ShootoutView

router = APIRouter(prefix="/shootouts", tags=["shootouts"])

JsonObject = Annotated[dict[str, Any], Body()]
Responses = dict[int | str, dict[str, Any]]
_INVALID: Responses = {422: {"description": "Every problem in the body, each with its JSON path"}}
_NOT_FOUND: Responses = {404: {"description": "No such shootout among yours"}}


def _out(view: ShootoutView) -> ShootoutOut:
    body, shootout = view.body, view.shootout
    return ShootoutOut(
        id=shootout.id,
        title=body.title,
        di_tracks=body.di_tracks,
        chains=body.chains,
        settings=body.settings,
        warnings=[
            ShootoutWarning(code=w.code, path=w.path, message=w.message) for w in view.warnings
        ],
        estimated_render_seconds=view.estimated_render_seconds,
        created_at=shootout.created_at,
        updated_at=shootout.updated_at,
    )


def _summary(listed: Listed) -> ShootoutSummary:
    shootout = listed.shootout
    return ShootoutSummary(
        id=shootout.id,
        title=shootout.title,
        di_track_count=len(shootout.body.get("di_tracks", [])),
        chain_count=len(shootout.body.get("chains", [])),
        estimated_render_seconds=listed.estimated_render_seconds,
        created_at=shootout.created_at,
        updated_at=shootout.updated_at,
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=_INVALID,
    openapi_extra=request_body_doc(ShootoutIn),
)
async def create_shootout(
    payload: JsonObject, user: CurrentUser, session: SessionDep, settings: SettingsDep
) -> ShootoutOut:
    """Create a shootout from DI tracks and chains in your library; warnings come back with it."""
    view = await service.create_shootout(
        session,
        owner_id=user.id,
        payload=payload,
        long_render_s=settings.render.long_render_warning_seconds,
    )
    return _out(view)


@router.get("")
async def list_shootouts(
    user: CurrentUser,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> ShootoutPage:
    """List your shootouts, newest first."""
    page, total = await service.list_shootouts(
        session, owner_id=user.id, limit=limit, offset=offset
    )
    items = [_summary(listed) for listed in page]
    return ShootoutPage(items=items, total=total, limit=limit, offset=offset)


# Declared before `/{shootout_id}`, which would otherwise take "schema" for a (malformed) id.
@router.get(
    "/schema",
    responses={200: {"description": "A JSON Schema (draft 2020-12) without `$ref`s"}},
)
async def get_shootout_schema(user: CurrentUser) -> dict[str, Any]:
    """The JSON Schema of a shootout body: every block's parameters with their titles, units,
    ranges and defaults, and the render settings; served whether or not /docs is enabled."""
    return shootout_schema()


@router.get("/{shootout_id}", responses=_NOT_FOUND)
async def get_shootout(
    shootout: OwnedShootout, session: SessionDep, settings: SettingsDep
) -> ShootoutOut:
    """Read one of your shootouts, with warnings against your library as it is now."""
    view = await service.describe(
        session, shootout=shootout, long_render_s=settings.render.long_render_warning_seconds
    )
    return _out(view)


@router.put(
    "/{shootout_id}",
    responses=_NOT_FOUND | _INVALID,
    openapi_extra=request_body_doc(ShootoutIn),
)
async def replace_shootout(
    shootout: OwnedShootout, payload: JsonObject, session: SessionDep, settings: SettingsDep
) -> ShootoutOut:
    """Replace a shootout's whole body."""
    view = await service.replace_shootout(
        session,
        shootout=shootout,
        payload=payload,
        long_render_s=settings.render.long_render_warning_seconds,
    )
    return _out(view)


@router.patch(
    "/{shootout_id}",
    responses=_NOT_FOUND | _INVALID,
    openapi_extra=request_body_doc(ShootoutPatch),
)
async def patch_shootout(
    shootout: OwnedShootout, payload: JsonObject, session: SessionDep, settings: SettingsDep
) -> ShootoutOut:
    """Change part of a shootout (JSON merge patch); the result is validated as a whole."""
    view = await service.patch_shootout(
        session,
        shootout=shootout,
        patch=payload,
        long_render_s=settings.render.long_render_warning_seconds,
    )
    return _out(view)


@router.post("/{shootout_id}/clone", status_code=status.HTTP_201_CREATED, responses=_NOT_FOUND)
async def clone_shootout(
    shootout: OwnedShootout, session: SessionDep, settings: SettingsDep
) -> ShootoutOut:
    """Copy a shootout as a new one titled "… (copy)"."""
    view = await service.clone_shootout(
        session, shootout=shootout, long_render_s=settings.render.long_render_warning_seconds
    )
    return _out(view)


@router.delete("/{shootout_id}", status_code=status.HTTP_204_NO_CONTENT, responses=_NOT_FOUND)
async def delete_shootout(shootout: OwnedShootout, session: SessionDep) -> Response:
    """Delete one of your shootouts."""
    await service.delete_shootout(session, shootout=shootout)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
