"""TONE3000 route dependencies: the configured access object, a writing session for the GET
routes that store a sign-in, the browser's binding cookie, and all of them as one `Start`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from toneshootout.server.auth.deps import NowDep
from toneshootout.server.db.session import owned
from toneshootout.server.deps import ServicesDep, SettingsDep
from toneshootout.server.http.ratelimit import ClientIpDep, RateLimiterDep
from toneshootout.server.tone3000.access import Tone3000Access
from toneshootout.server.tone3000.cookies import read_state_cookie
from toneshootout.server.tone3000.errors import Tone3000NotConfigured
from toneshootout.server.tone3000.service import Start


def get_tone3000(services: ServicesDep) -> Tone3000Access:
    """The process's TONE3000 access; `Tone3000NotConfigured` (404) when no client id is set."""
    if services.tone3000 is None or not services.settings.tone3000.enabled:
        raise Tone3000NotConfigured(
            "signing in with TONE3000 is not configured on this server "
            "(TONESHOOTOUT_TONE3000__CLIENT_ID)"
        )
    return services.tone3000


async def get_write_session(services: ServicesDep) -> AsyncIterator[AsyncSession]:
    """Like `SessionDep` but writable on GET: leaving for TONE3000 and coming back are
    browser navigations (GETs) that store or spend a sign-in."""
    async with owned(services.sessionmaker) as session:
        yield session


def get_browser_binding(request: Request, settings: SettingsDep) -> str | None:
    return read_state_cookie(request, settings.auth)


Tone3000Dep = Annotated[Tone3000Access, Depends(get_tone3000)]
WriteSessionDep = Annotated[AsyncSession, Depends(get_write_session, scope="function")]
BrowserBindingDep = Annotated[str | None, Depends(get_browser_binding)]


def get_start(
    *,
    access: Tone3000Dep,
    settings: SettingsDep,
    limiter: RateLimiterDep,
    client_ip: ClientIpDep,
    browser: BrowserBindingDep,
    now: NowDep,
) -> Start:
    """What every route that leaves for TONE3000 needs. Declare it after `CurrentUser` where a
    user is needed: an anonymous caller then gets 401 before an unconfigured server's 404."""
    return Start(access, settings.auth, limiter, client_ip, browser, now)


StartDep = Annotated[Start, Depends(get_start)]
