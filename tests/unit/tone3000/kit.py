"""The pieces a client test assembles: a recording transport, a shared clock, sign-in helpers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import httpx

from toneshootout.tone3000.api import Tone3000Api
from toneshootout.tone3000.limiter import OutgoingLimiter
from toneshootout.tone3000.oauth import OAuthClient, TokenSet, authorize_url, new_pkce
from toneshootout.tone3000.tokens import MemoryStore, RefreshingTokens, RefreshLocks, TokenStore
from toneshootout.tone3000_fake import DEFAULT_CLIENT_ID, FakeState

BASE = "http://127.0.0.1:8030"
STORAGE = "http://localhost:8030"  # the fake's storage host: the same app under its other name
REDIRECT = "http://127.0.0.1:9999/callback"

Override = Callable[[httpx.Request], httpx.Response | None]


@dataclass(frozen=True)
class Seen:
    """One request as it left the client."""

    method: str
    url: str
    authorization: str | None

    @property
    def host(self) -> str:
        return urlsplit(self.url).netloc

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    @property
    def query(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(urlsplit(self.url).query).items()}


class Recorder(httpx.AsyncBaseTransport):
    """Passes requests to the fake, remembering each; `override` may answer one itself."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.seen: list[Seen] = []
        self.override: Override | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(
            Seen(request.method, str(request.url), request.headers.get("authorization"))
        )
        if self.override is not None and (answer := self.override(request)) is not None:
            return answer
        return await self.inner.handle_async_request(request)

    def paths(self, prefix: str = "") -> list[str]:
        return [s.path for s in self.seen if s.path.startswith(prefix)]


@dataclass
class Kit:
    state: FakeState
    http: httpx.AsyncClient
    recorder: Recorder
    store: MemoryStore = field(default_factory=MemoryStore)
    locks: RefreshLocks = field(default_factory=RefreshLocks)
    sleeps: list[float] = field(default_factory=list)

    def now(self) -> datetime:
        return self.state.clock.datetime()

    async def sleep(self, seconds: float) -> None:
        """Instead of waiting: note the wait and move the fake's clock by it."""
        self.sleeps.append(seconds)
        self.state.clock.advance(seconds)
        await asyncio.sleep(0)  # still a suspension point, as a real sleep is

    def oauth(self, client_id: str = DEFAULT_CLIENT_ID) -> OAuthClient:
        return OAuthClient(self.http, base_url=BASE, client_id=client_id, now=self.now)

    def limiter(self, per_minute: int = 90) -> OutgoingLimiter:
        return OutgoingLimiter(per_minute=per_minute, clock=self.state.clock.now, sleep=self.sleep)

    def tokens(self, store: TokenStore | None = None) -> RefreshingTokens:
        return RefreshingTokens(
            store or self.store, self.oauth(), self.locks.for_key("tester"), now=self.now
        )

    def api(
        self, *, store: TokenStore | None = None, limiter: OutgoingLimiter | None = None
    ) -> Tone3000Api:
        return Tone3000Api(
            self.http,
            base_url=BASE,
            tokens=self.tokens(store),
            limiter=limiter or self.limiter(),
            key="tester",
            sleep=self.sleep,
        )

    async def authorize(self, **extra: str) -> tuple[str, str]:
        """Run the browser's part of the code flow; (code, verifier)."""
        pkce = new_pkce()
        url = authorize_url(
            BASE,
            client_id=DEFAULT_CLIENT_ID,
            redirect_uri=REDIRECT,
            state="csrf-1",
            challenge=pkce.challenge,
            extra=extra or None,
        )
        response = await self.http.get(url)
        assert response.status_code == 302, response.text
        callback = parse_qs(urlsplit(response.headers["location"]).query)
        assert callback["state"] == ["csrf-1"]
        return callback["code"][0], pkce.verifier

    async def sign_in(self) -> TokenSet:
        """The whole code flow; the pair is saved in `store` and returned."""
        code, verifier = await self.authorize()
        tokens = await self.oauth().exchange_code(code, verifier=verifier, redirect_uri=REDIRECT)
        await self.store.save(tokens)
        return tokens

    def answer(self, path: str, response: Callable[[], httpx.Response]) -> None:
        """Answer every request to `path` with `response()` instead of the fake."""

        def override(request: httpx.Request) -> httpx.Response | None:
            return response() if request.url.path == path else None

        self.recorder.override = override

    def requests_to(self, path: str) -> list[Seen]:
        return [s for s in self.recorder.seen if s.path == path]
