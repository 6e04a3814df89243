"""Shares: the owner's links to a render, and what anyone holding a link may read.

Owner routes are authenticated like every other; another user's render or share is a 404.
Token routes need no account: the token in the path is the key (`LiveShare`), and a dead or
unknown one is the same 404 as one that never existed.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Body, Query, Response, status

from toneshootout.server.deps import SessionDep, StorageDep
from toneshootout.server.http.stored import DownloadsDep
from toneshootout.server.render.deps import OwnedRender
from toneshootout.server.share import service
from toneshootout.server.share.deps import LiveShare, OwnedShare
from toneshootout.server.share.schemas import (
    GalleryPage,
    ShareCreate,
    ShareCreated,
    SharedRender,
    ShareList,
    ShareOut,
    SharePatch,
)

router = APIRouter(tags=["shares"])

GALLERY_PAGE_SIZE: Final = 20
Responses = dict[int | str, dict[str, Any]]
_RENDER_NOT_FOUND: Responses = {404: {"description": "No such render among yours"}}
_SHARE_NOT_FOUND: Responses = {404: {"description": "No such share among yours"}}
_TOKEN: Responses = {
    404: {"description": "No live share has this token (unknown, revoked or expired alike)"},
    429: {"description": "Too many unknown tokens from this address; see Retry-After"},
}


@router.post(
    "/renders/{render_id}/shares",
    status_code=status.HTTP_201_CREATED,
    responses=_RENDER_NOT_FOUND
    | {
        409: {"description": "The render has not succeeded"},
        422: {"description": "The expiry is not in the future or more than a year away"},
    },
)
async def create_share(
    render: OwnedRender, session: SessionDep, payload: Annotated[ShareCreate, Body()]
) -> ShareCreated:
    """Share a succeeded render by link; the token is in this answer only."""
    return await service.create_share(
        session, render=render, visibility=payload.visibility, expires_at=payload.expires_at
    )


@router.get("/renders/{render_id}/shares", responses=_RENDER_NOT_FOUND)
async def list_shares(render: OwnedRender, session: SessionDep) -> ShareList:
    """The render's shares, newest first, with their views, votes and ABX runs."""
    return ShareList(items=await service.list_shares(session, render=render))


@router.get("/shares/{share_id}", responses=_SHARE_NOT_FOUND)
async def get_share(share: OwnedShare, session: SessionDep) -> ShareOut:
    """One of your shares: its state and what listeners did with it."""
    return await service.share_out(session, share)


@router.patch(
    "/shares/{share_id}",
    responses=_SHARE_NOT_FOUND
    | {422: {"description": "The expiry is not in the future or more than a year away"}},
)
async def update_share(
    share: OwnedShare, session: SessionDep, payload: Annotated[SharePatch, Body()]
) -> ShareOut:
    """Close or reopen voting, or change the expiry."""
    return await service.update_share(session, share=share, patch=payload)


@router.delete(
    "/shares/{share_id}", status_code=status.HTTP_204_NO_CONTENT, responses=_SHARE_NOT_FOUND
)
async def revoke_share(share: OwnedShare, session: SessionDep) -> Response:
    """Revoke the link for everyone (its counts stay visible to you); repeating is harmless."""
    await service.revoke_share(session, share=share)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/shared/{token}", responses=_TOKEN)
async def get_shared_render(
    token: str, share: LiveShare, session: SessionDep, storage: StorageDep
) -> SharedRender:
    """A shared render as anyone with its link sees it (no owner, ids or input files)."""
    return await service.shared_render(session, storage=storage, share=share, token=token)


@router.get(
    "/shared/{token}/files/{path:path}",
    response_class=Response,
    responses=_TOKEN | {200: {"content": {"application/octet-stream": {}}}},
)
async def download_shared_file(
    share: LiveShare, path: str, session: SessionDep, storage: StorageDep, downloads: DownloadsDep
) -> Response:
    """A chain render, montage, plot or video (MP4, poster, description) of a shared render;
    supports Range requests. A download link may be redirected (307) to the bucket."""
    file, _, _ = await service.shared_file(session, storage=storage, share=share, path=path)
    return await downloads.send(file)


@router.get("/gallery")
async def gallery(
    session: SessionDep, page: Annotated[int, Query(ge=1, le=10_000)] = 1
) -> GalleryPage:
    """Public shares, newest first, 20 to a page."""
    entries, has_next = await service.gallery_page(
        session, limit=GALLERY_PAGE_SIZE, offset=(page - 1) * GALLERY_PAGE_SIZE
    )
    return GalleryPage(items=entries, page=page, page_size=GALLERY_PAGE_SIZE, has_next=has_next)
