"""HTTP routes of signing in with TONE3000, linking it, and its tone picker's entry.

Leaving and coming back are browser navigations: 302s, with the binding cookie set on the
way out. A callback that cannot be finished answers with its status (400, 409, 429, 503)
and a reason: as a small page when the browser asked for HTML, else as the usual JSON error.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import JSONResponse, RedirectResponse

from toneshootout.server.auth.cookies import set_session_cookies
from toneshootout.server.auth.deps import CurrentUser, NowDep
from toneshootout.server.deps import SessionDep, SettingsDep
from toneshootout.server.errors import DomainError, RateLimited, ServiceUnavailable, status_for
from toneshootout.server.http.errors import error_body
from toneshootout.server.http.ratelimit import ClientIpDep, RateLimiterDep
from toneshootout.server.tone3000 import callback, service
from toneshootout.server.tone3000.callback import CallbackQuery
from toneshootout.server.tone3000.cookies import set_state_cookie
from toneshootout.server.tone3000.deps import (
    BrowserBindingDep,
    StartDep,
    Tone3000Dep,
    WriteSessionDep,
)
from toneshootout.server.tone3000.schemas import AuthorizeUrl, Tone3000Status
from toneshootout.server.tone3000.service import Departure
from toneshootout.server.web.deps import safe_next
from toneshootout.server.web.pages import render_page
from toneshootout.settings import Settings

router = APIRouter(tags=["tone3000"])

NextParam = Annotated[
    str | None, Query(max_length=2000, description="a path on this site to go on to")
]
# What TONE3000 appends to the redirect URI; generous bounds, the values are checked later.
CallbackParam = Annotated[str | None, Query(max_length=2048)]
FAILED_PAGE = "auth/tone3000_failed.html"
REDIRECT = {"description": "to TONE3000's sign-in page, or back into the app"}


def _bind(response: Response, departure: Departure, settings: Settings) -> None:
    """The cookie that ties TONE3000's callback to this browser."""
    max_age = settings.tone3000.login_ttl_seconds
    set_state_cookie(response, settings.auth, departure.browser, max_age=max_age)


def _leave(departure: Departure, settings: Settings) -> RedirectResponse:
    response = RedirectResponse(departure.authorize_url, status_code=status.HTTP_302_FOUND)
    _bind(response, departure, settings)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get(
    "/auth/tone3000/login",
    status_code=status.HTTP_302_FOUND,
    response_class=RedirectResponse,
    responses={302: REDIRECT},
)
async def login(
    *, start: StartDep, session: WriteSessionDep, settings: SettingsDep, next: NextParam = None
) -> RedirectResponse:
    """Sign in (or sign up) with TONE3000: redirects there, and back to `next` signed in."""
    departure = await service.begin_login(session, start, next_path=safe_next(next))
    return _leave(departure, settings)


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def _failed(request: Request, error: DomainError) -> Response:
    code = status_for(error)
    headers = {"Cache-Control": "no-store"}
    if isinstance(error, RateLimited | ServiceUnavailable):
        headers["Retry-After"] = str(error.retry_after_seconds)
    if not _wants_html(request):
        body = error_body(error.code, error.detail, **error.extra)
        return JSONResponse(body, status_code=code, headers=headers)
    page = render_page(request, FAILED_PAGE, {"error": error, "status": code}, status=code)
    page.headers.update(headers)
    return page


@router.get(
    "/auth/tone3000/callback",
    status_code=status.HTTP_302_FOUND,
    response_class=RedirectResponse,
    responses={302: REDIRECT, 400: {"description": "the sign-in cannot be finished"}},
)
async def tone3000_callback(
    request: Request,
    *,
    access: Tone3000Dep,
    session: WriteSessionDep,
    settings: SettingsDep,
    limiter: RateLimiterDep,
    client_ip: ClientIpDep,
    browser: BrowserBindingDep,
    now: NowDep,
    code: CallbackParam = None,
    state: CallbackParam = None,
    tone_id: CallbackParam = None,
    model_id: CallbackParam = None,
    canceled: CallbackParam = None,
    error: CallbackParam = None,
    error_description: CallbackParam = None,
) -> Response:
    """Where TONE3000 sends the browser back: finishes a sign-in, link or tone pick once."""
    query = CallbackQuery(
        code=code or None,
        state=state,
        tone_id=tone_id,
        canceled=canceled in ("true", "1"),
        error=error or None,
    )
    try:
        outcome = await callback.finish(
            session,
            access=access,
            auth=settings.auth,
            limiter=limiter,
            client_ip=client_ip,
            query=query,
            browser=browser,
            now=now,
        )
    except DomainError as failure:
        # Refusals happen before any write, so the request still commits the spent state.
        return _failed(request, failure)
    response = RedirectResponse(outcome.location, status_code=status.HTTP_302_FOUND)
    if outcome.session is not None:
        set_session_cookies(
            response,
            settings.auth,
            access_token=outcome.session.access_token,
            refresh_token=outcome.session.refresh_token,
        )
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/auth/tone3000")
async def link_status(
    *, user: CurrentUser, session: SessionDep, settings: SettingsDep
) -> Tone3000Status:
    """Whether TONE3000 is on here and whom this account is linked to (never the tokens)."""
    found = await service.status(session, settings=settings.tone3000, user=user)
    return Tone3000Status(
        enabled=found.enabled,
        linked=found.linked,
        username=found.username,
        search=found.enabled and settings.tone3000.search_enabled,
    )


@router.post("/auth/tone3000/link")
async def link(
    *,
    user: CurrentUser,
    start: StartDep,
    session: SessionDep,
    response: Response,
    settings: SettingsDep,
) -> AuthorizeUrl:
    """Start linking a TONE3000 account to this one: navigate the browser to `authorize_url`."""
    departure = await service.begin_link(session, start, user=user)
    _bind(response, departure, settings)
    return AuthorizeUrl(authorize_url=departure.authorize_url)


@router.delete("/auth/tone3000/link", status_code=status.HTTP_204_NO_CONTENT)
async def unlink(*, user: CurrentUser, access: Tone3000Dep, session: SessionDep) -> None:
    """Unlink TONE3000: the link and the stored TONE3000 tokens are deleted."""
    # `access` is unused but asked for after `user`: unconfigured → 404 (anonymous → 401 first).
    await service.unlink(session, user=user)


@router.get(
    "/tone3000/select",
    status_code=status.HTTP_302_FOUND,
    response_class=RedirectResponse,
    responses={302: REDIRECT},
)
async def select_tone(
    *,
    user: CurrentUser,
    start: StartDep,
    session: WriteSessionDep,
    settings: SettingsDep,
    format: Annotated[Literal["nam", "ir"], Query(description="nam (A2 captures) or ir")],
    next: NextParam = None,
) -> RedirectResponse:
    """Pick a tone in TONE3000's picker; back at `next` with `t3k_tone` and `t3k_format`."""
    departure = await service.begin_select(
        session, start, user=user, tone_format=format, next_path=safe_next(next)
    )
    return _leave(departure, settings)
