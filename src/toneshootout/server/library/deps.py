"""The library's request dependencies."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request

from toneshootout.server.auth.deps import CurrentUser
from toneshootout.server.db.session import commit
from toneshootout.server.deps import SessionDep, SettingsDep, StorageDep
from toneshootout.server.http.ratelimit import RateLimiterDep
from toneshootout.server.library import service
from toneshootout.server.library.kinds import ItemKind


def content_length(request: Request) -> int | None:
    value = request.headers.get("content-length")
    return int(value) if value is not None and value.isdigit() else None


def upload_admission(kind: ItemKind) -> Callable[..., Awaitable[None]]:
    """A dependency that admits an upload of `kind` (or refuses it) before its body is read.

    The admission is its own short transaction, committed by the request's owner here: the
    body may arrive slowly, and no transaction (on SQLite: the write lock) may stay open
    meanwhile. The upload's own rows then go in the request's next transaction.
    """

    async def admit(
        *,
        request: Request,
        user: CurrentUser,
        session: SessionDep,
        settings: SettingsDep,
        storage: StorageDep,
        limiter: RateLimiterDep,
    ) -> None:
        await service.admit_upload(
            session,
            storage=storage,
            limits=settings.storage,
            limiter=limiter,
            owner_id=user.id,
            kind=kind,
            content_length=content_length(request),
        )
        await commit(session)

    return admit
