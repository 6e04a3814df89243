"""`OwnedShootout`: load the shootout named in the path and check it is the caller's (else 404)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from toneshootout.server.auth.deps import CurrentUser
from toneshootout.server.db.models.shootout import Shootout
from toneshootout.server.deps import SessionDep
from toneshootout.server.shootout import service


async def get_owned_shootout(
    shootout_id: uuid.UUID, user: CurrentUser, session: SessionDep
) -> Shootout:
    return await service.get_owned(session, owner_id=user.id, shootout_id=shootout_id)


OwnedShootout = Annotated[Shootout, Depends(get_owned_shootout)]
