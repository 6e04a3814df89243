"""`POST /demo`: the demo material in your library and a ready-made shootout of it."""

from __future__ import annotations

from fastapi import APIRouter, status

from toneshootout.server.auth.deps import CurrentUser
from toneshootout.server.demo import service
from toneshootout.server.demo.deps import DemoFilesDep
from toneshootout.server.demo.schemas import DemoOut
from toneshootout.server.deps import SessionDep, SettingsDep, StorageDep

router = APIRouter(tags=["demo"])


@router.post(
    "/demo",
    status_code=status.HTTP_201_CREATED,
    responses={413: {"description": "Your library has no room left for the demo files"}},
)
async def try_demo(
    files: DemoFilesDep,  # first: made before the session's transaction begins
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    storage: StorageDep,
) -> DemoOut:
    """Add the generated demo DIs, captures and IRs to your library (once: a second call reuses
    them) and create a shootout of 2 DIs × 4 chains; answers its id."""
    shootout = await service.try_demo(
        session,
        storage=storage,
        limits=settings.storage,
        files=files,
        owner_id=user.id,
        long_render_s=settings.render.long_render_warning_seconds,
    )
    return DemoOut(shootout_id=shootout.id)
