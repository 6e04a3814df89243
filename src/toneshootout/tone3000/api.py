"""The catalogue API (§1.4) for one signed-in user.

Every call goes through the same door: our outgoing budget, the user's Bearer token, then the
documented rules (§1.8): a 429 waits for `Retry-After` (when that is short enough to wait
inline; otherwise the caller hears when to come back) and tries again; a 401 asks the token
source for a fresh token once, then gives up with `SignInRequired`; 403 and 404 on a tone or a
model become "private" and "deleted".
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from toneshootout.tone3000.errors import (
    BadResponse,
    RateLimited,
    SignInRequired,
    ToneDeleted,
    TonePrivate,
    Unreachable,
)
from toneshootout.tone3000.limiter import OutgoingLimiter
from toneshootout.tone3000.wire import Model, Page, Tone, User

API = "/api/v1"
LISTS = ("favorited", "downloaded", "created")
FEEDS = ("trending", "latest")
MODELS_PAGE_SIZE = 100
MAX_RETRIES = 3
MAX_BACKOFF_SECONDS = 30.0

M = TypeVar("M", bound=BaseModel)


class TokenSource(Protocol):
    """Hands out a user's current access token.

    `rejected` is a token TONE3000 just answered 401 to: the source refreshes unless it holds
    a newer token already (another request refreshed first), and raises `SignInRequired` if it
    cannot. Implementations serialise refreshes: rotation makes parallel ones log users out.
    """

    async def access_token(self, *, rejected: str | None = None) -> str: ...


def retry_after(response: httpx.Response, attempt: int) -> float:
    """The server's `Retry-After` in seconds, else an exponential back-off (1, 2, 4 ... s).

    The server's value is kept as given (never shortened: retrying early only spends a call
    on another 429); the caller decides whether it is worth waiting for.
    """
    raw = response.headers.get("Retry-After", "")
    try:
        seconds = float(raw)
    except ValueError:
        return min(MAX_BACKOFF_SECONDS, 2.0**attempt)
    return max(0.0, seconds) if math.isfinite(seconds) else MAX_BACKOFF_SECONDS


def _error_text(body: bytes) -> str:
    try:
        parsed = json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace")[:200]
    if isinstance(parsed, dict):
        return str(parsed.get("error") or parsed.get("msg") or parsed)[:200]
    return str(parsed)[:200]


def raise_for_status(
    response: httpx.Response, *, what: str = "tone", body: bytes | None = None
) -> None:
    """Turn a final non-2xx answer into the error a user can read.

    `body`: what was read of a streamed response's body (a streamed body is not read here).
    """
    status = response.status_code
    if status < 400:
        return
    if status == 401:
        raise SignInRequired("your TONE3000 sign-in has expired: sign in with TONE3000 again")
    if status == 403:
        raise TonePrivate(f"this {what} is private on TONE3000")
    if status == 404:
        raise ToneDeleted(f"this {what} was deleted from TONE3000")
    if status == 429:
        wait = retry_after(response, 0)
        raise RateLimited(f"TONE3000 is busy: try again in {math.ceil(wait)} s", wait)
    if status >= 500:
        raise Unreachable(f"TONE3000 answered {status}: try again later")
    if body is None:
        body = response.content
    raise BadResponse(f"TONE3000 refused the request: {_error_text(body)}")


class Tone3000Api:
    """Calls for one user; `key` names that user in the outgoing limiter."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        base_url: str,
        tokens: TokenSource,
        limiter: OutgoingLimiter,
        key: str,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self._tokens = tokens
        self._limiter = limiter
        self._key = key
        self.sleep = sleep  # every wait goes through here, so tests can move a clock instead

    async def send(
        self, url: str, *, params: dict[str, Any] | None = None, stream: bool = False
    ) -> httpx.Response:
        """GET `url` (on the TONE3000 origin) with the rules above; the final answer, any status.

        With `stream`, the body is not read: the caller reads it and closes the response.
        """
        token = await self._tokens.access_token()
        refreshed = False
        attempt = 0
        while True:
            await self._limiter.acquire(self._key)
            request = self.http.build_request(
                "GET", url, params=params, headers={"Authorization": f"Bearer {token}"}
            )
            try:
                response = await self.http.send(request, stream=stream, follow_redirects=False)
            except httpx.HTTPError as err:
                raise Unreachable(f"TONE3000 could not be reached ({type(err).__name__})") from err
            if response.status_code == 401 and not refreshed:
                await response.aclose()
                token = await self._tokens.access_token(rejected=token)
                refreshed = True
                continue
            if response.status_code == 429 and attempt < MAX_RETRIES:
                wait = retry_after(response, attempt)
                if wait <= MAX_BACKOFF_SECONDS:
                    await response.aclose()
                    await self.sleep(wait)
                    attempt += 1
                    continue
            return response

    async def _get(self, path: str, model: type[M], what: str, **params: Any) -> M:
        query = {k: v for k, v in params.items() if v is not None}
        response = await self.send(f"{self.base_url}{API}{path}", params=query)
        raise_for_status(response, what=what)
        try:
            return model.model_validate(response.json())
        except (ValueError, ValidationError) as err:
            raise BadResponse(f"TONE3000 sent an answer we cannot read ({path})") from err

    async def user(self) -> User:
        return await self._get("/user", User, "account")

    async def tone(self, tone_id: int) -> Tone:
        return await self._get(f"/tones/{int(tone_id)}", Tone, "tone")

    async def model(self, model_id: int) -> Model:
        return await self._get(f"/models/{int(model_id)}", Model, "model")

    async def tones(
        self,
        which: str,
        *,
        page: int = 1,
        page_size: int = 20,
        query: str | None = None,
        gear: str | None = None,
    ) -> Page[Tone]:
        """One page of the user's `favorited`, `downloaded` or `created` tones."""
        if which not in LISTS:
            raise ValueError(f"unknown list {which!r}")
        return await self._get(
            f"/tones/{which}",
            Page[Tone],
            "list",
            page=page,
            page_size=page_size,
            query=query or None,
            gear=gear,
        )

    async def feed(self, which: str, *, gear: str | None = None) -> list[Tone]:
        """The top 10 `trending` or `latest` tones (a bare `{data}`, no paging fields)."""
        if which not in FEEDS:
            raise ValueError(f"unknown feed {which!r}")
        page = await self._get(f"/tones/{which}", Page[Tone], "list", gear=gear)
        return list(page.data)

    async def search(self, **params: Any) -> Page[Tone]:
        """`GET /tones/search`; only on an API tier that allows it (§1.9)."""
        return await self._get("/tones/search", Page[Tone], "search", **params)

    async def models(self, tone: Tone) -> list[Model]:
        """Every model of `tone`: one listing per architecture it reports, A2 included (§1.5).

        IR tones have no architecture and are listed once without one.
        """
        found: list[Model] = []
        for architecture in [None] if tone.is_ir else tone.architectures:
            page = 1
            while True:
                chunk = await self._get(
                    "/models",
                    Page[Model],
                    "tone",
                    tone_id=tone.id,
                    architecture=architecture,
                    page=page,
                    page_size=MODELS_PAGE_SIZE,
                )
                found.extend(chunk.data)
                if page >= chunk.total_pages or not chunk.data:
                    break
                page += 1
        return found
