"""One TONE3000 client for one CLI command, from the saved sign-in."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from toneshootout.cli.errors import CliError
from toneshootout.cli.tone3000.config import BASE_URL_ENV, login_path
from toneshootout.cli.tone3000.store import FileTokenStore, Login, read_login
from toneshootout.tone3000.api import Tone3000Api
from toneshootout.tone3000.errors import Unreachable
from toneshootout.tone3000.limiter import OutgoingLimiter
from toneshootout.tone3000.oauth import OAuthClient
from toneshootout.tone3000.tokens import RefreshingTokens, TokenStore

TIMEOUT = httpx.Timeout(30.0, connect=10.0)
LOGIN_HINT = "run `toneshootout login --tone3000` first"

# Every wait (device polling, 429 back-off, our own budget) goes through here: tests replace
# it with one that moves the fake TONE3000's clock instead of sleeping.
sleep: Callable[[float], Awaitable[None]] = asyncio.sleep


async def wait(seconds: float) -> None:
    await sleep(seconds)  # looked up at each call, so a test's replacement takes effect


@asynccontextmanager
async def http_client() -> AsyncIterator[httpx.AsyncClient]:
    """No redirects followed by httpx: the client library decides where a token may go."""
    async with httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False) as http:
        yield http


def oauth_client(http: httpx.AsyncClient, base_url: str, client_id: str) -> OAuthClient:
    return OAuthClient(http, base_url=base_url, client_id=client_id)


def unreachable_text(err: Unreachable, base_url: str) -> str:
    """ "cannot reach TONE3000 at URL (ConnectError)", or the status it answered."""
    if err.__cause__ is not None:
        return f"cannot reach TONE3000 at {base_url} ({type(err.__cause__).__name__})"
    return f"{err} ({base_url})"


def require_login(path: Path | None = None, *, base_url: str | None = None) -> Login:
    """The saved sign-in, for the TONE3000 at `base_url` if one is asked for."""
    path = path or login_path()
    login = read_login(path)
    if login is None:
        raise CliError(f"not signed in to TONE3000: {LOGIN_HINT}")
    if base_url is not None and base_url.rstrip("/") != login.base_url:
        raise CliError(
            f"signed in to TONE3000 at {login.base_url}, but {BASE_URL_ENV} says {base_url}: "
            f"{LOGIN_HINT}"
        )
    return login


def api_for(
    http: httpx.AsyncClient,
    login: Login,
    *,
    store: TokenStore | None = None,
    calls_per_minute: int = 90,
) -> Tone3000Api:
    """A client that refreshes (and saves rotated tokens) through the login file."""
    store = store or FileTokenStore(login_path(), login)
    tokens = RefreshingTokens(
        store, oauth_client(http, login.base_url, login.client_id), asyncio.Lock()
    )
    limiter = OutgoingLimiter(per_minute=calls_per_minute, sleep=wait)
    return Tone3000Api(
        http,
        base_url=login.base_url,
        tokens=tokens,
        limiter=limiter,
        key=login.username or "cli",
        sleep=wait,
    )
