"""Listening routes: a listener's blind session and ABX runs (no account), and the owner's results.

No account is needed: the listener is a signed cookie (`cookie.py`), set by the first POST.
Cookie-carried POSTs need protection from other sites: SameSite=Lax keeps the cookie off
cross-site POSTs, and a browser POST whose `Origin` is another site is refused outright (403),
so a page elsewhere cannot vote in a visitor's name. A request without `Origin` is no browser
form (browsers send it on every POST), and it carries no ambient cookie of a victim.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Final

from fastapi import APIRouter, Body, Cookie, Depends, Request, Response, status

from toneshootout.server.deps import SessionDep, SettingsDep, StorageDep
from toneshootout.server.http.ratelimit import ClientIpDep, RateLimiterDep
from toneshootout.server.listening import cookie, results, service
from toneshootout.server.listening.cookie import COOKIE_NAME, Listener
from toneshootout.server.listening.errors import CrossSiteRefused
from toneshootout.server.listening.schemas import (
    AbxRun,
    AbxStart,
    AnswerIn,
    BlindSession,
    Results,
    VoteIn,
)
from toneshootout.server.share.deps import LiveShare, OwnedShare

router = APIRouter(tags=["listening"])

ANSWERS_PER_LISTENER: Final = 60
ANSWERS_PER_IP: Final = 120
WINDOW_SECONDS: Final = 60.0
Responses = dict[int | str, dict[str, Any]]
_SESSION: Responses = {
    404: {"description": "No such session of yours on a live share"},
    429: {"description": "Too many answers from this listener or address; see Retry-After"},
}
_TOKEN: Responses = {
    403: {"description": "A request from another site's page"},
    404: {"description": "No live share has this token (unknown, revoked or expired alike)"},
    429: {"description": "Too many requests; see Retry-After"},
}
ListenerCookie = Annotated[str | None, Cookie(alias=COOKIE_NAME)]


def same_site(request: Request) -> None:
    origin = request.headers.get("origin")
    if origin is not None and origin.rstrip("/").lower() != _own_origin(request):
        raise CrossSiteRefused()


def _own_origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}".lower()


def listener_of(settings: SettingsDep, value: ListenerCookie = None) -> Listener:
    return cookie.existing_or_new(settings.auth, value)


def known_listener(settings: SettingsDep, value: ListenerCookie = None) -> uuid.UUID | None:
    return cookie.verify(settings.auth, value)


ListenerDep = Annotated[Listener, Depends(listener_of)]
KnownListener = Annotated[uuid.UUID | None, Depends(known_listener)]


def _limit(limiter: RateLimiterDep, ip: str, listener_id: uuid.UUID | None) -> None:
    if listener_id is not None:
        limiter.hit(
            f"listen:listener:{listener_id}",
            limit=ANSWERS_PER_LISTENER,
            window_seconds=WINDOW_SECONDS,
        )
    limiter.hit(f"listen:ip:{ip}", limit=ANSWERS_PER_IP, window_seconds=WINDOW_SECONDS)


def _remember(response: Response, settings: SettingsDep, listener: Listener) -> None:
    if listener.fresh:
        response.set_cookie(
            COOKIE_NAME,
            cookie.sign(settings.auth, listener.id),
            max_age=cookie.MAX_AGE_SECONDS,
            path="/",
            httponly=True,
            samesite="lax",
            secure=settings.auth.cookie_secure,
        )


@router.post(
    "/shared/{token}/blind",
    status_code=status.HTTP_201_CREATED,
    responses=_TOKEN
    | {200: {"description": "This listener's existing session", "model": BlindSession}},
    dependencies=[Depends(same_site)],
)
async def start_blind(
    share: LiveShare,
    *,
    session: SessionDep,
    storage: StorageDep,
    settings: SettingsDep,
    listener: ListenerDep,
    limiter: RateLimiterDep,
    ip: ClientIpDep,
    response: Response,
) -> BlindSession:
    """Start (or get back) this listener's blind test: letters in a fresh random order."""
    _limit(limiter, ip, listener.id)
    out, created = await service.start_blind(session, storage, share, listener.id)
    if not created:
        response.status_code = status.HTTP_200_OK
    _remember(response, settings, listener)
    return out


@router.post(
    "/shared/{token}/abx",
    status_code=status.HTTP_201_CREATED,
    responses=_TOKEN | {422: {"description": "DI or chains out of range, or A = B"}},
    dependencies=[Depends(same_site)],
)
async def start_abx(
    share: LiveShare,
    *,
    session: SessionDep,
    storage: StorageDep,
    settings: SettingsDep,
    listener: ListenerDep,
    limiter: RateLimiterDep,
    ip: ClientIpDep,
    response: Response,
    payload: Annotated[AbxStart, Body()],
) -> AbxRun:
    """Start an ABX run between two chains of one DI; the trial count is fixed here."""
    _limit(limiter, ip, listener.id)
    out = await service.start_abx(session, storage, share, listener.id, payload)
    _remember(response, settings, listener)
    return out


@router.get("/listening/{session_id}", responses=_SESSION)
async def read_session(
    session_id: uuid.UUID, session: SessionDep, storage: StorageDep, listener: KnownListener
) -> BlindSession | AbxRun:
    """A blind session or ABX run, for the listener who holds it."""
    return await service.read(session, storage, session_id=session_id, listener_id=listener)


@router.post(
    "/listening/{session_id}/votes",
    responses=_SESSION
    | {
        403: {"description": "A request from another site's page"},
        409: {"description": "Round already voted, or voting closed by the owner"},
        422: {"description": "No such round, or a letter not in that round"},
    },
    dependencies=[Depends(same_site)],
)
async def vote(
    session_id: uuid.UUID,
    *,
    session: SessionDep,
    storage: StorageDep,
    listener: KnownListener,
    limiter: RateLimiterDep,
    ip: ClientIpDep,
    payload: Annotated[VoteIn, Body()],
) -> BlindSession:
    """Vote for one side of a round; the reveal comes with the last vote."""
    _limit(limiter, ip, listener)
    return await service.vote(
        session,
        storage,
        session_id=session_id,
        listener_id=listener,
        round_index=payload.round,
        choice=payload.choice,
    )


@router.post(
    "/listening/{session_id}/answers",
    responses=_SESSION
    | {
        403: {"description": "A request from another site's page"},
        409: {"description": "Not the current trial, or the run is complete"},
    },
    dependencies=[Depends(same_site)],
)
async def answer(
    session_id: uuid.UUID,
    *,
    session: SessionDep,
    storage: StorageDep,
    listener: KnownListener,
    limiter: RateLimiterDep,
    ip: ClientIpDep,
    payload: Annotated[AnswerIn, Body()],
) -> AbxRun:
    """Answer the current ABX trial ("X is A" or "X is B")."""
    _limit(limiter, ip, listener)
    return await service.answer(
        session,
        storage,
        session_id=session_id,
        listener_id=listener,
        trial=payload.trial,
        given=payload.answer,
    )


@router.get(
    "/listening/{session_id}/audio/{handle}",
    response_class=Response,
    responses=_SESSION
    | {200: {"content": {"audio/wav": {}}, "description": "The take, 24-bit PCM WAV"}},
)
async def take_audio(
    session_id: uuid.UUID,
    handle: str,
    session: SessionDep,
    storage: StorageDep,
    listener: KnownListener,
) -> Response:
    """One blind take: the same size, header and level for every chain of its DI."""
    body = await service.audio(
        session, storage, session_id=session_id, listener_id=listener, handle=handle
    )
    return Response(
        content=body,
        media_type="audio/wav",
        headers={
            "Cache-Control": "private, no-store",
            "Content-Disposition": 'attachment; filename="take.wav"',
        },
    )


@router.get(
    "/shares/{share_id}/results", responses={404: {"description": "No such share among yours"}}
)
async def share_results(share: OwnedShare, session: SessionDep, storage: StorageDep) -> Results:
    """Blind votes per pair (sign test), Bradley–Terry with 95 % CIs, ABX runs, listeners."""
    return await results.share_results(session, storage, share)
