"""The pages of shared renders (issue 9): `/s/{token}`, its blind and ABX tests, the embed, the
public gallery, and the owner's listening results.

Token pages need no account. What they show comes from the share service's public view of the
render (`SharedRender`: no owner, no ids, no input files); the pages' scripts read the rest from
the public API like any other client. A token that is unknown, revoked or expired gets the same
404 page as one that never existed; a client over the miss limit gets 429 on every token page.
Only `/s/{token}` counts a view. Only `/embed/{token}` may be framed by other sites.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Final

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from toneshootout.server.deps import SessionDep
from toneshootout.server.errors import NotFound, RateLimited
from toneshootout.server.http.ratelimit import ClientIpDep, RateLimiterDep
from toneshootout.server.share import service as share_service
from toneshootout.server.share.schemas import SharedRender
from toneshootout.server.web.deps import MaybePageUser, PageUser
from toneshootout.server.web.pages import render_page

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

GALLERY_PAGE_SIZE: Final = 20
EMBED_FRAME_ANCESTORS: Final = "*"
NOT_FOUND_TEMPLATE: Final = "share/not_found.html"


def plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def counts_words(chains: int, dis: int) -> str:
    """ "3 chains × 1 DI": the size of a shootout in words."""
    return f"{plural(chains, 'chain')} × {plural(dis, 'DI')}"


def og_description(shared: SharedRender) -> str:
    """The card text of a pasted link."""
    counts = counts_words(len(shared.chains), len(shared.dis))
    return (
        f"{counts}, level-matched and time-aligned: switch between them on one playhead, "
        "vote blind, or take an ABX test."
    )


def ltas_plot_url(shared: SharedRender) -> str | None:
    """The share-scoped URL of the first DI's long-term average spectrum (the card's image)."""
    if not shared.dis:
        return None
    first = shared.dis[0]
    for output in shared.outputs:
        name = output.path.rsplit("/", 1)[-1]
        is_ltas_png = name.startswith("ltas") and name.endswith(".png")
        if output.role == "plot" and output.di == first and is_ltas_png:
            return output.url
    return None


@dataclass(frozen=True)
class CardImage:
    url: str
    alt: str


def card_image(shared: SharedRender) -> CardImage | None:
    """The image of a pasted link's card: the first video's poster (made to be looked at),
    else the first DI's long-term average spectrum."""
    for video in shared.videos:
        if video.poster_url:
            return CardImage(video.poster_url, f"{shared.title}: {video.di}")
    plot = ltas_plot_url(shared)
    if plot is None:
        return None
    return CardImage(plot, f"Long-term average spectrum of every chain ({shared.dis[0]})")


def day(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d") if moment else ""


async def _shared(
    request: Request, session: SessionDep, limiter: RateLimiterDep, ip: ClientIpDep, token: str
) -> SharedRender | Response:
    """The shared render behind `token`, or the page to answer instead (404 or 429)."""
    try:
        return await share_service.shared_render_for_page(
            session, request.app.state.services, token, limiter=limiter, client_ip=ip
        )
    except NotFound:
        return render_page(request, NOT_FOUND_TEMPLATE, status=404)
    except RateLimited as refused:
        response = render_page(request, "share/too_many.html", status=429)
        response.headers["Retry-After"] = str(refused.retry_after_seconds)
        return response


@router.get("/s/{token}")
async def shared_page(
    request: Request, token: str, session: SessionDep, limiter: RateLimiterDep, ip: ClientIpDep
) -> Response:
    """A shared render: players, montage, decisions, metrics, plots, credits; counts a view."""
    found = await _shared(request, session, limiter, ip, token)
    if isinstance(found, Response):
        return found
    base = str(request.base_url).rstrip("/")
    image = card_image(found)
    context = {
        "token": token,
        "shared": found,
        "noindex": found.visibility != "public",
        "description": og_description(found),
        "counts": counts_words(len(found.chains), len(found.dis)),
        "finished": day(found.finished_at),
        "page_url": f"{base}/s/{token}",
        "image_url": f"{base}{image.url}" if image else None,
        "image_alt": image.alt if image else None,
    }
    return render_page(request, "share/page.html", context)


@router.get("/s/{token}/blind")
async def blind_page(
    request: Request, token: str, session: SessionDep, limiter: RateLimiterDep, ip: ClientIpDep
) -> Response:
    """The blind preference test: the title and DI names only (the script gets the rest)."""
    found = await _shared(request, session, limiter, ip, token)
    if isinstance(found, Response):
        return found
    context = {"token": token, "title": found.title, "dis": found.dis, "noindex": True}
    return render_page(request, "share/blind.html", context)


@router.get("/s/{token}/abx")
async def abx_page(
    request: Request, token: str, session: SessionDep, limiter: RateLimiterDep, ip: ClientIpDep
) -> Response:
    """The ABX test: pick a DI, two chains, the trial count and feedback, then the trials."""
    found = await _shared(request, session, limiter, ip, token)
    if isinstance(found, Response):
        return found
    context = {
        "token": token,
        "title": found.title,
        "dis": found.dis,
        "chains": [chain.name for chain in found.chains],
        "noindex": True,
    }
    return render_page(request, "share/abx.html", context)


@router.get("/embed/{token}")
async def embed_page(
    request: Request, token: str, session: SessionDep, limiter: RateLimiterDep, ip: ClientIpDep
) -> Response:
    """The A/B players alone, for other sites to frame (its own CSP `frame-ancestors *`)."""
    found = await _shared(request, session, limiter, ip, token)
    if isinstance(found, Response):
        return found
    context = {"token": token, "shared": found, "noindex": found.visibility != "public"}
    return render_page(request, "share/embed.html", context, frame_ancestors=EMBED_FRAME_ANCESTORS)


@router.get("/gallery")
async def gallery(
    request: Request,
    session: SessionDep,
    user: MaybePageUser,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    """Public shares, newest first, GALLERY_PAGE_SIZE to a page."""
    entries, has_next = await share_service.gallery_page(
        session, limit=GALLERY_PAGE_SIZE, offset=(page - 1) * GALLERY_PAGE_SIZE
    )
    context = {
        "user": user,
        "entries": entries,
        "page": page,
        "page_size": GALLERY_PAGE_SIZE,
        "has_next": has_next,
    }
    return render_page(request, "gallery.html", context)


@router.get("/shares/{share_id}/results")
async def results_page(
    request: Request, share_id: uuid.UUID, user: PageUser, session: SessionDep
) -> Response:
    """The owner's listening results of one share (the script reads the results API)."""
    try:
        share, title = await share_service.owned_share_title(
            session, owner_id=user.id, share_id=share_id
        )
    except NotFound:
        return render_page(request, "errors/not_found.html", {"user": user}, status=404)
    context = {
        "user": user,
        "share_id": share.id,
        "render_id": share.render_id,
        "title": title,
    }
    return render_page(request, "share/results.html", context)
