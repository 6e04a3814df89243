"""`OwnedRender`: the render in the path, the caller's only. `Tone3000Lookups`: the TONE3000
models of the shootout being submitted, looked up as its owner."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Header

from toneshootout.server.auth.deps import CurrentUser
from toneshootout.server.db.models.render import Render
from toneshootout.server.db.session import commit
from toneshootout.server.deps import ServicesDep, SessionDep
from toneshootout.server.render import service
from toneshootout.server.render.snapshot import FrozenModel
from toneshootout.server.shootout.deps import OwnedShootout


async def get_owned_render(render_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> Render:
    return await service.get_owned(session, owner_id=user.id, render_id=render_id)


OwnedRender = Annotated[Render, Depends(get_owned_render)]


async def look_up_tone3000(
    shootout: OwnedShootout,
    session: SessionDep,
    services: ServicesDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> dict[int, FrozenModel]:
    """The TONE3000 models the shootout names, looked up before the submission's writes.

    TONE3000 may take seconds to answer: the request's transaction (on SQLite, the write lock)
    is ended first, by the request's owner here, and the submission's rows go in the next one.
    A repeated Idempotency-Key is answered with its earlier render, so nothing is looked up.
    """
    refs = service.tone3000_refs(shootout)
    if not refs or await service.replay_exists(session, shootout.owner_id, idempotency_key):
        return {}
    await commit(session)
    return await service.look_up_tone3000(services.tone3000, owner_id=shootout.owner_id, refs=refs)


Tone3000Lookups = Annotated[dict[int, FrozenModel], Depends(look_up_tone3000)]
