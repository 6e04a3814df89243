"""`Annotated` dependency aliases, defined once: SessionDep, SettingsDep, StorageDep, ServicesDep.

Feature packages add their own load-and-authorise dependencies (e.g. `CurrentUser` in
`auth.deps`, `OwnedShootout` in `shootout.deps`) on top of these.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, cast

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from toneshootout.server.db.session import owned
from toneshootout.server.state import Services
from toneshootout.server.storage.base import Storage
from toneshootout.settings import Settings


def get_services(request: Request) -> Services:
    return cast(Services, request.app.state.services)


ServicesDep = Annotated[Services, Depends(get_services)]


def get_settings_dep(services: ServicesDep) -> Settings:
    return services.settings


def get_storage(services: ServicesDep) -> Storage:
    return services.storage


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_session(request: Request, services: ServicesDep) -> AsyncIterator[AsyncSession]:
    """The request's session, owned by `db.session.owned`: committed before the response is
    sent (then its after-commit hooks run), rolled back on error (then its on-rollback hooks).

    Safe methods only read, so their transaction is marked read-only (a deferred BEGIN on
    SQLite, where every other transaction takes the write lock up front).
    """
    async with owned(services.sessionmaker, read_only=request.method in SAFE_METHODS) as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
StorageDep = Annotated[Storage, Depends(get_storage)]
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
