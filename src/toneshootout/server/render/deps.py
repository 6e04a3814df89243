"""`OwnedRender`: the render in the path, the caller's only."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from toneshootout.server.auth.deps import CurrentUser
from toneshootout.server.db.models.render import Render
from toneshootout.server.deps import SessionDep
from toneshootout.server.render import service


async def get_owned_render(render_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> Render:
    return await service.get_owned(session, owner_id=user.id, render_id=render_id)


OwnedRender = Annotated[Render, Depends(get_owned_render)]
