"""The pages: each gathers what its template shows through the API's services and renders it.

No page writes anything: forms and buttons call the JSON API from the page's script, so the
browser app uses exactly the documented API (WEB.md: no page-only back doors).
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from toneshootout.server.deps import SessionDep, SettingsDep
from toneshootout.server.errors import NotFound
from toneshootout.server.library import service as library_service
from toneshootout.server.library.kinds import ItemKind
from toneshootout.server.library.repository import ItemFilter
from toneshootout.server.library.schemas import ItemOut
from toneshootout.server.shootout import service as shootout_service
from toneshootout.server.tone3000 import messages as tone3000_messages
from toneshootout.server.tone3000 import service as tone3000_service
from toneshootout.server.web.deps import MaybePageUser, PageUser, safe_next
from toneshootout.server.web.pages import render_page
from toneshootout.server.web.render_pages import router as render_pages_router
from toneshootout.server.web.sections import LIBRARY_SECTIONS, LibrarySection
from toneshootout.server.web.share_pages import router as share_pages_router

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

NextParam = Annotated[str | None, Query(max_length=2000)]
# After a round trip to TONE3000: which fixed message to show (`tone3000.messages`).
Tone3000Outcome = Annotated[str | None, Query(alias="t3k", max_length=20)]
# The library page shows up to this many items per kind; the API pages through the rest.
LIBRARY_PAGE_SIZE = 100


@router.get("/")
async def home(request: Request, user: MaybePageUser, deleted: bool = False) -> Response:
    """What the product does, and "Try the demo"."""
    return render_page(request, "home.html", {"user": user, "deleted": deleted and not user})


@router.get("/signup")
async def signup(
    request: Request, user: MaybePageUser, settings: SettingsDep, next: NextParam = None
) -> Response:
    """Create an account."""
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    context = {"next": safe_next(next, ""), "tone3000_enabled": settings.tone3000.enabled}
    return render_page(request, "auth/signup.html", context)


@router.get("/login")
async def login(
    request: Request,
    user: MaybePageUser,
    settings: SettingsDep,
    next: NextParam = None,
    t3k: Tone3000Outcome = None,
) -> Response:
    """Sign in."""
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    context = {
        "next": safe_next(next),
        "tone3000_enabled": settings.tone3000.enabled,
        "tone3000_message": tone3000_messages.message(tone3000_messages.LOGIN, t3k),
    }
    return render_page(request, "auth/login.html", context)


@router.get("/account")
async def account(
    request: Request,
    user: PageUser,
    session: SessionDep,
    settings: SettingsDep,
    t3k: Tone3000Outcome = None,
) -> Response:
    """Change the password, link TONE3000, sign out (here or everywhere), delete the account."""
    tone3000 = await tone3000_service.status(session, settings=settings.tone3000, user=user)
    context = {
        "user": user,
        "tone3000": tone3000,
        "tone3000_message": tone3000_messages.message(tone3000_messages.ACCOUNT, t3k),
    }
    return render_page(request, "account.html", context)


async def _section(session: SessionDep, user: PageUser, kind: ItemKind) -> LibrarySection:
    where = ItemFilter(q=None, tag=None, limit=LIBRARY_PAGE_SIZE, offset=0)
    items, total = await library_service.list_items(
        session, owner_id=user.id, kind=kind, where=where
    )
    return LibrarySection.of(kind, [ItemOut.of(item) for item in items], total)


@router.get("/library")
async def library(
    request: Request, user: PageUser, session: SessionDep, settings: SettingsDep
) -> Response:
    """DI tracks, captures and IRs: upload, rename, tag, delete."""
    sections = [await _section(session, user, kind) for kind in LIBRARY_SECTIONS]
    t3k = settings.tone3000
    context = {
        "user": user,
        "sections": sections,
        "tone3000": t3k.enabled,
        "tone3000_search": t3k.enabled and t3k.search_enabled,
    }
    return render_page(request, "library/page.html", context)


@router.get("/library/sections/{collection}")
async def library_section(
    request: Request, collection: str, user: PageUser, session: SessionDep
) -> Response:
    """One library section's list, re-fetched by the page after an upload, rename or delete."""
    kinds = {kind.collection: kind for kind in LIBRARY_SECTIONS}
    if collection not in kinds:
        return render_page(request, "errors/not_found.html", {"user": user}, status=404)
    section = await _section(session, user, kinds[collection])
    return render_page(request, "library/section_items.html", {"section": section})


@router.get("/shootouts")
async def shootouts(request: Request, user: PageUser, session: SessionDep) -> Response:
    """Your shootouts: open, clone, delete, or start a new one."""
    page, total = await shootout_service.list_shootouts(
        session, owner_id=user.id, limit=100, offset=0
    )
    return render_page(
        request, "shootouts/list.html", {"user": user, "shootouts": page, "total": total}
    )


@router.get("/shootouts/new")
async def new_shootout(request: Request, user: PageUser) -> Response:
    """The builder for a shootout not saved yet; its first Save creates it."""
    return render_page(request, "shootouts/builder.html", {"user": user, "shootout": None})


@router.get("/shootouts/{shootout_id}")
async def builder(
    request: Request, shootout_id: uuid.UUID, user: PageUser, session: SessionDep
) -> Response:
    """The builder: DI tracks, chains of blocks, render settings; save and render."""
    try:
        shootout = await shootout_service.get_owned(
            session, owner_id=user.id, shootout_id=shootout_id
        )
    except NotFound:
        return render_page(request, "errors/not_found.html", {"user": user}, status=404)
    return render_page(request, "shootouts/builder.html", {"user": user, "shootout": shootout})


# `/renders/{id}` lives in its own module.
router.include_router(render_pages_router)
router.include_router(share_pages_router)
