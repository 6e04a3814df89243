"""HTTP for `/di-tracks`, `/captures` and `/irs`: one set of routes, built once per kind."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status

from toneshootout.server.auth.deps import CurrentUser
from toneshootout.server.deps import SessionDep, SettingsDep, StorageDep
from toneshootout.server.http.stored import DownloadsDep
from toneshootout.server.library import service
from toneshootout.server.library.deps import upload_admission
from toneshootout.server.library.kinds import ItemKind
from toneshootout.server.library.repository import ItemFilter
from toneshootout.server.library.schemas import ItemOut, ItemPage, ItemPatch
from toneshootout.server.library.uploads import FIELD_NAME

# The framework's own body ceiling for upload routes; the real, per-kind cap from the settings
# is enforced while streaming (`uploads.py`). This only lifts the app-wide 1 MiB default.
UPLOAD_BODY_CEILING_BYTES = 1024 * 1024 * 1024
# Filters reach SQL; PostgreSQL refuses NUL in text and no stored name holds control characters.
PRINTABLE = r"^[^\x00-\x1f\x7f]+$"

_UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": [FIELD_NAME],
                    "properties": {FIELD_NAME: {"type": "string", "format": "binary"}},
                    "additionalProperties": False,
                }
            }
        },
    }
}
_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such item in your library"},
}


def _kind_router(kind: ItemKind) -> APIRouter:
    router = APIRouter(prefix=f"/{kind.collection}", tags=["library"], responses=_ERRORS)
    label = kind.label

    @router.post(
        "",
        status_code=status.HTTP_201_CREATED,
        summary=f"Upload a {label}",
        openapi_extra=_UPLOAD_BODY,
        max_body_size=UPLOAD_BODY_CEILING_BYTES,
        dependencies=[Depends(upload_admission(kind))],  # refused or admitted before the body
    )
    async def upload(
        *,
        request: Request,
        user: CurrentUser,
        session: SessionDep,
        settings: SettingsDep,
        storage: StorageDep,
    ) -> ItemOut:
        """Upload one file as the multipart field `file`; it is validated before it is kept."""
        upload = service.UploadRequest(
            body=request.stream(),
            content_type=request.headers.get("content-type"),
        )
        item = await service.upload_item(
            session,
            storage=storage,
            limits=settings.storage,
            owner_id=user.id,
            kind=kind,
            upload=upload,
        )
        return ItemOut.of(item)

    @router.get("", summary=f"List your {label}s")
    async def list_items(
        *,
        user: CurrentUser,
        session: SessionDep,
        limit: Annotated[int, Query(ge=1, le=100)] = 50,
        offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
        q: Annotated[str | None, Query(min_length=1, max_length=100, pattern=PRINTABLE)] = None,
        tag: Annotated[str | None, Query(min_length=1, max_length=32, pattern=PRINTABLE)] = None,
    ) -> ItemPage:
        """Your items, newest first; `q` matches the name, `tag` an exact tag."""
        where = ItemFilter(q=q, tag=tag.lower() if tag else None, limit=limit, offset=offset)
        items, total = await service.list_items(session, owner_id=user.id, kind=kind, where=where)
        return ItemPage(
            items=[ItemOut.of(i) for i in items], total=total, limit=limit, offset=offset
        )

    @router.get("/{item_id}", summary=f"Get a {label}")
    async def get_item(item_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> ItemOut:
        """One of your items with its metadata."""
        item = await service.get_item(session, owner_id=user.id, kind=kind, item_id=item_id)
        return ItemOut.of(item)

    @router.patch("/{item_id}", summary=f"Rename or retag a {label}")
    async def update_item(
        item_id: uuid.UUID, patch: ItemPatch, user: CurrentUser, session: SessionDep
    ) -> ItemOut:
        """Rename the item (its extension stays the detected type's) and/or replace its tags."""
        item = await service.update_item(
            session,
            owner_id=user.id,
            kind=kind,
            item_id=item_id,
            name=patch.name,
            tags=patch.tags,
        )
        return ItemOut.of(item)

    @router.delete(
        "/{item_id}", status_code=status.HTTP_204_NO_CONTENT, summary=f"Delete a {label}"
    )
    async def delete_item(
        item_id: uuid.UUID,
        user: CurrentUser,
        session: SessionDep,
        storage: StorageDep,
        force: bool = False,
    ) -> Response:
        """Delete the item; refused (409) while a shootout uses it, unless `force=true`."""
        await service.delete_item(
            session, storage=storage, owner_id=user.id, kind=kind, item_id=item_id, force=force
        )
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    @router.get(
        "/{item_id}/file",
        summary=f"Download a {label}",
        response_class=Response,
        responses={
            200: {"content": {"application/octet-stream": {}}},
            206: {"description": "The requested byte range"},
            307: {"description": "A download link sent to a short-lived URL of the bucket"},
        },
    )
    async def download(
        item_id: uuid.UUID,
        user: CurrentUser,
        session: SessionDep,
        storage: StorageDep,
        downloads: DownloadsDep,
    ) -> Response:
        """The stored file as an attachment; supports Range requests. A download link may be
        redirected (307) to a short-lived URL of the bucket itself."""
        file = await service.item_file(
            session, storage=storage, owner_id=user.id, kind=kind, item_id=item_id
        )
        return await downloads.send(file)

    return router


router = APIRouter()
for _kind in ItemKind:
    router.include_router(_kind_router(_kind))
